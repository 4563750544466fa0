/**
 * The same .deb with its data member stored uncompressed (data.tar): dpkg
 * accepts it and installs exactly the same files and database, but the
 * guest, which runs emulated, no longer decompresses xz — about half of
 * `dpkg-deb --fsys-tarfile`'s time under TCG (gcc-12: 13.5 s against 6.3 s).
 * The host decompresses natively, once: the copies are cached under the
 * original's sha256, which the caller has checked against the index.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { readAr } from '../../../formats/ar/reader.js';
import { encodeArHeader, writeAr } from '../../../formats/ar/writer.js';
import { collectBytes } from '../../../formats/bytes.js';
import { decompress } from '../../../formats/compress/index.js';
import { DistrokitError } from '../../../formats/errors.js';

/** `deb` with data.tar uncompressed, at `dir`/`key`.deb (made once; written temp-then-rename). */
export async function plainDeb(deb: string, key: string, dir: string): Promise<string> {
  const out = join(dir, `${key}.deb`);
  if (await stat(out).then((s) => s.isFile(), () => false)) return out;
  await mkdir(dir, { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  const dataTmp = `${out}.data-${process.pid}`;
  try {
    const head: { name: string; data: Uint8Array }[] = [];
    let dataSize = -1;
    for await (const member of readAr(createReadStream(deb), { file: deb })) {
      if (member.name.startsWith('data.tar')) {
        const sink = createWriteStream(dataTmp);
        let size = 0;
        const counted = (async function* () {
          for await (const chunk of decompress(member.body, { file: deb })) {
            size += chunk.byteLength;
            yield chunk;
          }
        })();
        await pipeline(Readable.from(counted), sink);
        dataSize = size;
      } else {
        head.push({ name: member.name, data: await collectBytes(member.body) });
      }
    }
    // dpkg's rule: debian-binary, then control.tar*, then data.tar*.
    if (dataSize < 0 || head.length !== 2 || head[0]!.name !== 'debian-binary' || !head[1]!.name.startsWith('control.tar'))
      throw new DistrokitError('DEB_BAD_FORMAT', `'${deb}' does not have the members debian-binary, control.tar*, data.tar* in this order`, { file: deb });
    const fh = await open(tmp, 'w');
    try {
      // debian-binary and control.tar.* as they were (writeAr pads them), then data.tar streamed.
      const prefix = writeAr(head);
      await fh.write(prefix);
      await fh.write(encodeArHeader({ name: 'data.tar', size: dataSize }));
    } finally {
      await fh.close();
    }
    await pipeline(createReadStream(dataTmp), createWriteStream(tmp, { flags: 'a' }));
    if (dataSize % 2 === 1) await pipeline(Readable.from([Buffer.from('\n')]), createWriteStream(tmp, { flags: 'a' }));
    await rename(tmp, out);
    return out;
  } finally {
    await rm(tmp, { force: true });
    await rm(dataTmp, { force: true });
  }
}

