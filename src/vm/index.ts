/** distrokit/vm: a small QEMU runner for stage-1 initrds. */
export * from './qemu.js';
export * from './run.js';
export { commandLine, GUEST_MODULES, prepareGuest, type GuestFiles, type GuestOptions } from './guest.js';
