/**
 * The .deb binary package: an ar archive of `debian-binary` ("2.0\n"),
 * `control.tar[.gz|.xz|.zst|.bz2]` and `data.tar[.gz|.xz|.zst|.bz2|.lzma…]`;
 * members whose names start with '_' are ignored, as dpkg does. The control
 * archive is read whole (it is small); the data archive streams as tar entries.
 */
import { type ByteSource, collectBytes } from '../bytes.js';
import { DistrokitError } from '../errors.js';
import { type ArMember, readAr } from '../ar/reader.js';
import { readTar, type TarEntry } from '../tar/reader.js';
import { type Compression, decompress } from '../compress/index.js';
import { type ControlField, parseControlFields } from './control.js';

export interface DebReaderOptions {
  file?: string;
  /** Largest decompressed control.tar accepted (default 64 MiB). */
  maxControlSize?: number;
  /** Largest decompressed data.tar accepted (default 64 GiB); beyond it DECOMPRESSED_TOO_LARGE. */
  maxDataSize?: number;
}

export interface DebControl {
  /** The fields of the `control` file, in file order. */
  fields: ControlField[];
  /** The `control` file as stored. */
  text: string;
  /** conffiles, one path each. */
  conffiles: string[];
  /** md5sums: path (without './') → hex digest. */
  md5sums: Map<string, string>;
  /** Maintainer scripts and other control members (preinst, postinst, prerm, postrm, config, triggers, shlibs…) by name. */
  files: Map<string, Uint8Array>;
}

export interface DebArchive {
  /** The debian-binary version, e.g. "2.0". */
  version: string;
  control: DebControl;
  controlMember: string;
  dataMember: string;
  dataCompression: Compression;
  /** The data.tar entries; iterate once. */
  data: AsyncIterable<TarEntry>;
}

const SUFFIXES: Record<string, Compression> = { '': 'none', '.gz': 'gzip', '.xz': 'xz', '.zst': 'zstd', '.bz2': 'bzip2' };

function memberCompression(name: string, base: string, file: string | undefined): Compression {
  const suffix = name.slice(base.length);
  const compression = SUFFIXES[suffix];
  if (!compression) throw new DistrokitError('DEB_UNSUPPORTED_COMPRESSION', `unsupported member compression '${name}'`, { file, entry: name });
  return compression;
}

const text = new TextDecoder('utf-8');

/** Reads a .deb: its version and control now, its data entries as they are iterated. */
export async function readDeb(source: ByteSource, options: DebReaderOptions = {}): Promise<DebArchive> {
  const file = options.file;
  const members = readAr(source, { file })[Symbol.asyncIterator]();
  const next = async (): Promise<ArMember | undefined> => {
    for (;;) {
      const r = await members.next();
      if (r.done) return undefined;
      if (!r.value.name.startsWith('_')) return r.value;
    }
  };
  const first = await next();
  if (!first || first.name !== 'debian-binary') throw new DistrokitError('DEB_BAD_FORMAT', `first member is '${first?.name ?? '(none)'}', not 'debian-binary'`, { file, offset: first?.offset ?? 8 });
  const versionText = text.decode(await collectBytes(first.body, 4096));
  const version = versionText.trim();
  if (!/^2\.[0-9]+$/.test(version)) throw new DistrokitError('DEB_BAD_FORMAT', `unsupported .deb format version '${version}'`, { file, entry: 'debian-binary' });

  const controlMember = await next();
  if (!controlMember || !controlMember.name.startsWith('control.tar'))
    throw new DistrokitError('DEB_BAD_FORMAT', `expected control.tar, found '${controlMember?.name ?? 'end of archive'}'`, { file, offset: controlMember?.offset });
  const control = await readControlTar(controlMember, options);

  const dataMember = await next();
  if (!dataMember || !dataMember.name.startsWith('data.tar'))
    throw new DistrokitError('DEB_BAD_FORMAT', `expected data.tar, found '${dataMember?.name ?? 'end of archive'}'`, { file, offset: dataMember?.offset });
  const dataCompression = memberCompression(dataMember.name, 'data.tar', file);
  const label = `${file ?? '<deb>'}:${dataMember.name}`;
  let started = false;
  async function* data(): AsyncGenerator<TarEntry> {
    if (started) throw new DistrokitError('DEB_DATA_REREAD', 'the data archive of a .deb can be iterated only once', { file });
    started = true;
    const stream = decompress(dataMember!.body, { file: label, compression: dataCompression, maxOutput: options.maxDataSize ?? 64 * 2 ** 30 });
    try {
      yield* readTar(stream, { file: label });
      await drain(stream);
    } finally {
      await stream.return(undefined);
    }
    // Read the rest of the ar archive so truncation after data.tar is still reported.
    while (await next());
  }
  return { version, control, controlMember: controlMember.name, dataMember: dataMember.name, dataCompression, data: { [Symbol.asyncIterator]: data } };
}

async function readControlTar(member: ArMember, options: DebReaderOptions): Promise<DebControl> {
  const label = `${options.file ?? '<deb>'}:${member.name}`;
  const compression = memberCompression(member.name, 'control.tar', options.file);
  const stream = decompress(member.body, { file: label, compression, maxOutput: options.maxControlSize ?? 64 << 20 });
  const files = new Map<string, Uint8Array>();
  try {
    for await (const entry of readTar(stream, { file: label })) {
      if (entry.type !== 'file') continue;
      const name = entry.path.replace(/^(\.\/)+/, '');
      files.set(name, new Uint8Array(await collectBytes(entry.body)));
    }
    await drain(stream);
  } finally {
    await stream.return(undefined);
  }
  const controlBytes = files.get('control');
  if (!controlBytes) throw new DistrokitError('DEB_BAD_FORMAT', 'control.tar has no control file', { file: options.file, entry: member.name });
  files.delete('control');
  const controlText = text.decode(controlBytes);
  const fields = parseControlFields(controlText, `${label}:control`);
  const conffiles = lines(files.get('conffiles'));
  const md5sums = new Map<string, string>();
  for (const line of lines(files.get('md5sums'))) {
    const m = /^([0-9a-fA-F]{32}) [ *]?(.+)$/.exec(line);
    if (m) md5sums.set(m[2]!.replace(/^\.?\//, ''), m[1]!.toLowerCase());
  }
  return { fields, text: controlText, conffiles, md5sums, files };
}

function lines(bytes: Uint8Array | undefined): string[] {
  if (!bytes) return [];
  return text
    .decode(bytes)
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.trim() !== '');
}

/**
 * Reads a decompressed member to its end after the tar's end-of-archive
 * blocks: that checks the compressed stream's own integrity (xz/zstd/gzip
 * checksums) and lets the decoder release its resources.
 */
async function drain(stream: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const chunk of stream) void chunk;
}
