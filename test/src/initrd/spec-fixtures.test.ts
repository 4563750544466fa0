import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildInitrd, treeFromSpec } from '../../../src/initrd/index.js';
import { toBuffer } from './helpers.js';

const DIR = join(import.meta.dirname, '../../../fixtures/initrd');

describe('fixtures/initrd gen_init_cpio specs', () => {
  const bad = readdirSync(DIR).filter((f) => /^[A-Z_]+(-\d+)?\.list$/.test(f));
  it.each(bad)('%s fails with the code it is named after, naming file and line', async (file) => {
    const path = join(DIR, file);
    const code = file.replace(/(-\d+)?\.list$/, '');
    await expect(treeFromSpec(readFileSync(path, 'utf8'), path)).rejects.toMatchObject({ code, data: { file: path, line: expect.any(Number) } });
  });

  it('all-types.list builds an archive GNU cpio lists with every member type', async () => {
    const path = join(DIR, 'all-types.list');
    const archive = await toBuffer(buildInitrd(await treeFromSpec(readFileSync(path, 'utf8'), path), { compression: 'none', owners: 'preserve', mtime: 1 }));
    const listing = execFileSync('cpio', ['-itv', '--quiet', '--numeric-uid-gid'], { input: archive }).toString();
    const types = listing.split('\n').filter(Boolean).map((l) => `${l[0]} ${/ 1970 (.*)$/.exec(l)![1]}`);
    expect(types.sort()).toEqual(['- bin/payload', '- bin/payload-link', 'c dev/console', 'd bin', 'd dev', 'l bin/sh -> payload', 'p fifo', 's sock'].sort());
  });
});
