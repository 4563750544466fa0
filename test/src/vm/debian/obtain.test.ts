/**
 * obtainDebs, without a VM: every .deb of a closure document comes from a
 * --debs directory, a file:// mirror or a download, checked against the
 * index's size and sha256 (sha256sum is the oracle); a missing or altered file
 * is a coded error naming it and the package.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClosureDocument } from '../../../../src/deb/output.js';
import { obtainDebs } from '../../../../src/vm/debian/obtain.js';
import { planImage } from '../../../../src/vm/debian/plan.js';

const work = mkdtempSync(join(tmpdir(), 'distrokit-obtain-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let doc: ClosureDocument;
let downloaded: string[];

beforeAll(async () => {
  // A small closure from the machine's apt lists, downloaded (or reused) into a private cache.
  doc = await planImage({ packages: ['zlib1g', 'libmd0'], essential: false });
  downloaded = await obtainDebs(doc, { cache: join(work, 'cache') });
}, 300_000);

const sha256sum = (file: string) => execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0];

describe('obtainDebs', () => {
  it("downloads each .deb from its index's mirror, with the index's sha256", () => {
    expect(downloaded.map((f) => basename(f))).toEqual(doc.packages.map((p) => basename(p.location!)));
    for (const [i, f] of downloaded.entries()) expect(sha256sum(f)).toBe(doc.packages[i]!.checksum!.value);
  });

  it('takes them from a --debs directory or a file:// mirror in place, checked', async () => {
    const flat = join(work, 'flat');
    const mirror = join(work, 'mirror');
    mkdirSync(flat);
    for (const [i, p] of doc.packages.entries()) {
      copyFileSync(downloaded[i]!, join(flat, basename(p.location!)));
      mkdirSync(dirname(join(mirror, p.location!)), { recursive: true });
      copyFileSync(downloaded[i]!, join(mirror, p.location!));
    }
    expect(await obtainDebs(doc, { debsDir: flat })).toEqual(doc.packages.map((p) => join(flat, basename(p.location!))));
    expect(await obtainDebs(doc, { mirror: pathToFileURL(mirror).href })).toEqual(doc.packages.map((p) => join(mirror, p.location!)));
  });

  it('a missing file is IMAGE_DEB_MISSING, an altered one FETCH_CHECKSUM_MISMATCH or FETCH_SIZE_MISMATCH, naming file and package', async () => {
    const dir = join(work, 'bad');
    mkdirSync(dir);
    const [first, second] = doc.packages;
    await expect(obtainDebs(doc, { debsDir: dir })).rejects.toMatchObject({ code: 'IMAGE_DEB_MISSING', data: { file: join(dir, basename(first!.location!)), entry: first!.name } });
    copyFileSync(downloaded[0]!, join(dir, basename(first!.location!)));
    const altered = join(dir, basename(second!.location!));
    copyFileSync(downloaded[1]!, altered);
    execFileSync('sh', ['-c', `printf X | dd of='${altered}' bs=1 seek=100 conv=notrunc 2>/dev/null`]);
    await expect(obtainDebs(doc, { debsDir: dir })).rejects.toMatchObject({ code: 'FETCH_CHECKSUM_MISMATCH', data: { file: altered, entry: second!.name } });
    writeFileSync(altered, 'short');
    await expect(obtainDebs(doc, { debsDir: dir })).rejects.toMatchObject({ code: 'FETCH_SIZE_MISMATCH', data: { file: altered } });
  });
});
