/**
 * Inputs and outputs that cannot be opened are coded errors naming the path
 * (exit 1), never an internal error, and a failed write leaves neither the
 * target nor its temporary file behind.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { distrokitInProcess } from '../../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'distrokit-output-errors-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const root = join(work, 'root');
mkdirSync(root);
writeFileSync(join(root, 'x'), 'x\n');

const CASES: { title: string; args: string[]; code: string; names: string }[] = [
  { title: 'initrd: a missing spec', args: ['initrd', 'build', '--spec', join(work, 'nope.list'), '--out', join(work, 'a.img')], code: 'SPEC_UNREADABLE', names: 'nope.list' },
  { title: 'initrd: a spec that is a directory', args: ['initrd', 'build', '--spec', root, '--out', join(work, 'b.img')], code: 'SPEC_UNREADABLE', names: root },
  { title: 'initrd: --out in a missing directory', args: ['initrd', 'build', '--from', root, '--out', join(work, 'missing', 'c.img')], code: 'INITRD_OUTPUT', names: 'c.img' },
  { title: 'initrd: --out onto a directory', args: ['initrd', 'build', '--from', root, '--out', root], code: 'INITRD_OUTPUT', names: root },
  { title: 'ext4: --out in a missing directory', args: ['ext4', 'build', '--from', root, '--out', join(work, 'missing', 'd.img'), '--quiet'], code: 'EXT4_OUTPUT', names: 'd.img' },
  { title: 'ext4: --out onto a directory', args: ['ext4', 'build', '--from', root, '--out', root, '--quiet'], code: 'EXT4_OUTPUT', names: root },
];

describe('unusable inputs and outputs', () => {
  for (const c of CASES) {
    it(`${c.title}: ${c.code}, exit 1, nothing left behind`, async () => {
      const before = readdirSync(work).sort();
      const r = await distrokitInProcess(() => main(c.args));
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`distrokit: ${c.code}: `);
      expect(r.stderr).toContain(c.names);
      expect(r.stderr).not.toContain('internal error');
      expect(readdirSync(work).sort()).toEqual(before);
      expect(readdirSync(root)).toEqual(['x']);
      const json = await distrokitInProcess(() => main([...c.args, '--json']));
      expect(JSON.parse(json.stdout).error).toMatchObject({ code: c.code });
    });
  }
});
