import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { treeFromSpec } from '../../../src/initrd/index.js';

const DIR = join(import.meta.dirname, '../../../fixtures/initrd');

describe('fixtures/initrd gen_init_cpio specs', () => {
  const bad = readdirSync(DIR).filter((f) => /^[A-Z_]+(-\d+)?\.list$/.test(f));
  it.each(bad)('%s fails with the code it is named after, naming file and line', async (file) => {
    const path = join(DIR, file);
    const code = file.replace(/(-\d+)?\.list$/, '');
    await expect(treeFromSpec(readFileSync(path, 'utf8'), path)).rejects.toMatchObject({ code, data: { file: path, line: expect.any(Number) } });
  });
});
