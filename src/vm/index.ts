/** distrokit/vm: run commands in a Linux VM (QEMU), and build configured Debian images in one. */
export * from './qemu.js';
export * from './run.js';
export { baseLayoutHash, BASE_COMPRESSION, guestStage1Options, stage1LayoutHash, commandLine, GUEST_MODULES, prepareGuest, type GuestFiles, type GuestOptions } from './guest.js';
export { BUSYBOX_PACKAGE, fetchGuestPackage, KERNEL_METAPACKAGE, resolveGuestPackages, type GuestPackage, type GuestPackages } from './packages.js';
export { bootCacheKey, pruneBootCache, type BootEntry, type BootMeta } from './boot-cache.js';
export { pvhKernelFromBzImage } from './pvh-kernel.js';
export { runFiles, writeRunInitrd, PER_RUN_PATHS } from './run-initrd.js';
export { buildDebianImage, type DebianImageOptions, type DebianImageSummary, type ImageProgress, type ImageStage } from './debian/image.js';
export { planImage, readLock, type PlanOptions } from './debian/plan.js';
export { obtainDebs, type ObtainOptions } from './debian/obtain.js';
export { installScript, type InstallMode } from './debian/install-script.js';
