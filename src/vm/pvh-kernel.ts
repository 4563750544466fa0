/**
 * The uncompressed kernel inside an x86 bzImage, for QEMU's PVH direct boot.
 *
 * A bzImage starts a decompressor in the guest that inflates the real kernel
 * (an ELF, vmlinux) before anything else runs. Under TCG that costs about
 * 0.6 s of every boot (LZ4, 14 MB → 53 MB). QEMU boots an ELF vmlinux
 * directly when it carries the PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY,
 * CONFIG_PVH=y, as in Debian's kernels), with the same -initrd and -append:
 * so the boot cache keeps the vmlinux, inflated once on the host.
 *
 * Layout (Documentation/x86/boot.rst): the setup header at 0x1f1 gives
 * setup_sects; the protected-mode part starts at (setup_sects + 1) * 512, and
 * payload_offset/payload_length (0x248/0x24c, protocol ≥ 2.08) locate the
 * compressed vmlinux in it. The kernel build appends the inflated size as a
 * little-endian 32-bit word to the payload (size_append), which also lets us
 * check the result.
 */
import { decompressToBuffer, detectCompression } from '../../formats/compress/index.js';
import { elfInputFromBytes, readElfHeader, readProgramHeaders } from '../../formats/elf/index.js';

const PT_NOTE = 4;
/** XEN_ELFNOTE_PHYS32_ENTRY: the 32-bit entry point PVH boot uses. */
const XEN_ELFNOTE_PHYS32_ENTRY = 18;
const EM_X86_64 = 62;

function u32(b: Uint8Array, at: number): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, true);
}

/** The compressed payload of a bzImage, or undefined when `image` is not one (or too old to say). */
export function bzImagePayload(image: Uint8Array): Uint8Array | undefined {
  if (image.length < 0x250) return undefined;
  const magic = String.fromCharCode(...image.subarray(0x202, 0x206));
  const version = image[0x206]! | (image[0x207]! << 8);
  if (magic !== 'HdrS' || version < 0x208) return undefined;
  const setupSects = image[0x1f1] || 4;
  const start = (setupSects + 1) * 512 + u32(image, 0x248);
  const length = u32(image, 0x24c);
  if (length < 8 || start + length > image.length) return undefined;
  return image.subarray(start, start + length);
}

/** True when `elf` is an x86-64 ELF with a PVH entry note. */
export async function hasPvhEntry(elf: Uint8Array): Promise<boolean> {
  const input = elfInputFromBytes(elf);
  let header;
  try {
    header = await readElfHeader(input);
  } catch {
    return false;
  }
  if (header.class !== 64 || !header.littleEndian || header.machine !== EM_X86_64) return false;
  for (const ph of await readProgramHeaders(input, header)) {
    if (ph.type !== PT_NOTE || ph.offset + ph.filesz > elf.length) continue;
    // Notes: namesz, descsz, type, then name and desc, each padded to 4 bytes.
    for (let at = ph.offset; at + 12 <= ph.offset + ph.filesz; ) {
      const namesz = u32(elf, at);
      const descsz = u32(elf, at + 4);
      const type = u32(elf, at + 8);
      const name = String.fromCharCode(...elf.subarray(at + 12, at + 12 + Math.max(0, namesz - 1)));
      if (name === 'Xen' && type === XEN_ELFNOTE_PHYS32_ENTRY) return true;
      at += 12 + ((namesz + 3) & ~3) + ((descsz + 3) & ~3);
    }
  }
  return false;
}

/**
 * The vmlinux of a bzImage when QEMU can boot it by PVH; undefined when the
 * image is no bzImage, its payload does not inflate to the size the build
 * recorded, or the kernel has no PVH entry (the caller then boots the bzImage).
 */
export async function pvhKernelFromBzImage(image: Uint8Array): Promise<Uint8Array | undefined> {
  const payload = bzImagePayload(image);
  if (!payload) return undefined;
  const compression = detectCompression(payload.subarray(0, 6));
  if (compression === 'none') return undefined;
  const size = u32(payload, payload.length - 4);
  let elf: Uint8Array;
  try {
    elf = await decompressToBuffer(payload.subarray(0, payload.length - 4), { compression, maxOutput: size });
  } catch {
    return undefined;
  }
  if (elf.length !== size) return undefined;
  return (await hasPvhEntry(elf)) ? elf : undefined;
}
