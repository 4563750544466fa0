/**
 * plainDeb: the same package with data.tar uncompressed. dpkg-deb is the
 * oracle: the same control fields, the same file list and the same data
 * stream (--fsys-tarfile, byte for byte) as the original, for data members in
 * xz, zstd, gzip and none; a .deb without data.tar is DEB_BAD_FORMAT and
 * leaves nothing behind.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { plainDeb } from '../../../../src/vm/debian/plain-deb.js';

const work = mkdtempSync(join(tmpdir(), 'distrokit-plain-deb-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const dpkgDeb = (...args: string[]) => execFileSync('dpkg-deb', args, { maxBuffer: 1 << 30 });

describe('plainDeb', () => {
  const fixtures = ['fz-app-xz.deb', 'fz-data-zstd.deb', 'fz-lib-gzip.deb', 'fz-tools-none.deb'].map((f) => join('fixtures/fuzz/deb', f));
  for (const [i, deb] of [...fixtures, 'fixtures/deb-failing/distrokit-failing-postinst_1.0_all.deb'].entries()) {
    it(`${deb}: what dpkg-deb reads is unchanged, and data.tar is stored`, async () => {
      const out = await plainDeb(deb, `k${i}`, work);
      expect(execFileSync('ar', ['t', out], { encoding: 'utf8' }).trim().split('\n').at(-1)).toBe('data.tar');
      expect(sha(dpkgDeb('--fsys-tarfile', out))).toBe(sha(dpkgDeb('--fsys-tarfile', deb)));
      expect(dpkgDeb('-f', out).toString()).toBe(dpkgDeb('-f', deb).toString());
      expect(dpkgDeb('-c', out).toString()).toBe(dpkgDeb('-c', deb).toString());
      // A second call reuses the copy.
      expect(await plainDeb(deb, `k${i}`, work)).toBe(out);
    });
  }

  for (const code of ['DEB_BAD_FORMAT', 'AR_TRUNCATED']) {
    it(`refuses fixtures/deb/hostile/${code}.deb with ${code} and leaves no file`, async () => {
      const dir = join(work, code);
      await expect(plainDeb(`fixtures/deb/hostile/${code}.deb`, 'bad', dir)).rejects.toMatchObject({ code });
      expect(readdirSync(dir)).toEqual([]);
    });
  }
});
