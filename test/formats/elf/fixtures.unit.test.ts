import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chunked } from '../../../formats/bytes.js';
import { elfInputFromSource, readDynamicInfo } from '../../../formats/elf/index.js';

const DIR = join(import.meta.dirname, '../../../fixtures/elf');
const files = readdirSync(DIR);

describe('fixtures/elf', () => {
  const good = files.filter((f) => f.endsWith('.so'));
  it.each(good.flatMap((f) => [1, 65536, Infinity].map((n) => [f, n] as const)))('%s (chunks of %s) matches its expected JSON', async (file, size) => {
    const bytes = readFileSync(join(DIR, file));
    const source = size === Infinity ? [bytes] : chunked(bytes, size);
    const info = await readDynamicInfo(await elfInputFromSource(source, file));
    const expected = JSON.parse(readFileSync(join(DIR, `${file}.json`), 'utf8'));
    expect({ class: info.header.class, machine: info.header.machine, needed: info.needed, soname: info.soname, rpath: info.rpath, runpath: info.runpath, dynamic: info.dynamic }).toEqual(expected);
  });

  const bad = files.filter((f) => f.endsWith('.bin'));
  it.each(bad)('%s fails with the error code it is named after', async (file) => {
    const code = file.replace(/(-\d+)?\.bin$/, '');
    await expect(readDynamicInfo(await elfInputFromSource(readFileSync(join(DIR, file)), file))).rejects.toMatchObject({ code, data: { file } });
  });
});
