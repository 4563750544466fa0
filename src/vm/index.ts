/** distrokit/vm: run commands in a Linux VM (QEMU), and build configured Debian images in one. */
export * from './qemu.js';
export * from './run.js';
export { commandLine, GUEST_MODULES, prepareGuest, type GuestFiles, type GuestOptions } from './guest.js';
export { buildDebianImage, type DebianImageOptions, type DebianImageSummary, type ImageProgress, type ImageStage } from './debian/image.js';
export { planImage, readLock, type PlanOptions } from './debian/plan.js';
export { obtainDebs, type ObtainOptions } from './debian/obtain.js';
export { installScript, type InstallMode } from './debian/install-script.js';
