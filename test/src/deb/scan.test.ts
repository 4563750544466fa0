/**
 * The fast scan of Packages indexes gives the same packages as the generic
 * deb822 parser, on the real bookworm index and on every unusual layout, and
 * reports errors at the same file positions.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DistrokitError } from '../../../formats/errors.js';
import { type DebPackage, parsePackagesBatches } from '../../../src/deb/packages.js';
import { providesOf, scanPackagesBatches } from '../../../src/deb/scan.js';
import { debianCache } from '../../helpers/cache.js';
import { CHUNKINGS } from '../../helpers/chunks.js';

type Batches = AsyncGenerator<DebPackage[]>;

async function collect(batches: Batches): Promise<DebPackage[]> {
  const out: DebPackage[] = [];
  for await (const b of batches) out.push(...b);
  return out;
}

const view = (p: DebPackage) => ({
  name: p.name,
  version: p.version,
  architecture: p.architecture,
  multiArch: p.multiArch,
  essential: p.essential,
  priority: p.priority,
  filename: p.filename,
  size: p.size,
  sha256: p.sha256,
  provides: providesOf(p),
  line: p.origin.line,
  fields: Object.fromEntries(p.fields),
});

describe('scanPackagesBatches', () => {
  it('equals the generic parser on every package of bookworm main (fields, lines)', async () => {
    const generic = await collect(parsePackagesBatches(createReadStream(debianCache.main), { file: 'main' }));
    const scanned = await collect(scanPackagesBatches(createReadStream(debianCache.main), { file: 'main' }));
    expect(scanned.length).toBe(63_440);
    expect(scanned.length).toBe(generic.length);
    for (let i = 0; i < generic.length; i += 1) {
      // Every package's cheap fields; every 50th also in full (parsing all lazily is the slow path this avoids).
      const g = generic[i]!;
      const s = scanned[i]!;
      expect([s.name, s.version, s.architecture, providesOf(s), s.origin.line]).toEqual([g.name, g.version, g.architecture, g.fields.get('provides'), g.origin.line]);
      if (i % 50 === 0) expect(view(s)).toEqual(view(g));
    }
  });

  const unusual = [
    'Package: a\nVersion: 1\nArchitecture: all\nDescription: x\n long\n\nPackage: b\nVersion: 2\nArchitecture: amd64\nProvides: v (= 1),\n w\n',
    '# comment\nPackage: a\nVersion: 1\nArchitecture: all\n\n\n\nPackage: b\nversion: 2\nArchitecture: amd64\n',
    'Package: crlf\r\nVersion: 1\r\nArchitecture: all\r\n\r\nPackage: two\r\nVersion: 2\r\nArchitecture: all\r\n',
    'Package: ws\nVersion: 1\nArchitecture: all\n \t\nPackage: x\nVersion: 1\nArchitecture: all\nDepends: a\n',
    'Package: u\nVersion: 1\nArchitecture: all\nMaintainer: Jérôme Ünicode <j@example.org>\nDescription: naïve ✓\n\n\n',
  ];
  for (const [i, text] of unusual.entries()) {
    for (const c of CHUNKINGS) {
      it(`unusual layout ${i} (${c.name}) parses as the generic parser does`, async () => {
        const data = new TextEncoder().encode(text);
        const generic = (await collect(parsePackagesBatches(data, { file: 'P' }))).map(view);
        expect((await collect(scanPackagesBatches(c.split(data), { file: 'P' }))).map(view)).toEqual(generic);
      });
    }
  }

  it('reports a garbage line at the same file and line as the generic parser', async () => {
    const good = readFileSync(debianCache.updates, 'utf8');
    const text = `${good}\nPackage: broken\nVersion: 1\nArchitecture: all\nthis line is garbage\n`;
    const data = new TextEncoder().encode(text);
    const errOf = async (b: Batches) => {
      try {
        await collect(b);
      } catch (err) {
        return err as DistrokitError;
      }
      return null;
    };
    const generic = await errOf(parsePackagesBatches(data, { file: 'P' }));
    const scanned = await errOf(scanPackagesBatches(data, { file: 'P' }));
    expect(generic).toBeInstanceOf(DistrokitError);
    expect(scanned?.toJSON()).toEqual(generic!.toJSON());
    expect(generic!.data.line).toBe(text.split('\n').indexOf('this line is garbage') + 1);
  });
});
