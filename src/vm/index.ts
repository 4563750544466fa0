/** distrokit/vm: a small QEMU runner for stage-1 initrds. */
export * from './qemu.js';
