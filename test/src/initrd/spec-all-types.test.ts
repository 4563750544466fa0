/** The committed all-types spec (fixtures/initrd) built and listed by GNU cpio; the failing specs: spec-fixtures.unit.test.ts. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildInitrd, treeFromSpec } from '../../../src/initrd/index.js';
import { toBuffer } from './helpers.js';

const DIR = join(import.meta.dirname, '../../../fixtures/initrd');

describe('fixtures/initrd gen_init_cpio specs', () => {
  it('all-types.list builds an archive GNU cpio lists with every member type', async () => {
    const path = join(DIR, 'all-types.list');
    const archive = await toBuffer(buildInitrd(await treeFromSpec(readFileSync(path, 'utf8'), path), { compression: 'none', owners: 'preserve', mtime: 1 }));
    const listing = execFileSync('cpio', ['-itv', '--quiet', '--numeric-uid-gid'], { input: archive }).toString();
    const types = listing.split('\n').filter(Boolean).map((l) => `${l[0]} ${/ 1970 (.*)$/.exec(l)![1]}`);
    expect(types.sort()).toEqual(['- bin/payload', '- bin/payload-link', 'c dev/console', 'd bin', 'd dev', 'l bin/sh -> payload', 'p fifo', 's sock'].sort());
  });
});
