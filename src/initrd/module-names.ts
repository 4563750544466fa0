/** Kernel module file names: the suffixes kmod accepts and the module name a file gives. */
export const MODULE_SUFFIXES = ['.ko', '.ko.xz', '.ko.zst', '.ko.gz'] as const;

/** "kernel/arch/x86/crypto/crc32c-intel.ko.xz" → "crc32c_intel" (kmod treats '-' and '_' alike). */
export function moduleName(file: string): string {
  const base = file.slice(file.lastIndexOf('/') + 1);
  const suffix = MODULE_SUFFIXES.find((s) => base.endsWith(s)) ?? '';
  return base.slice(0, base.length - suffix.length).replace(/-/g, '_');
}
