/**
 * Every command that takes --source-date-epoch treats it alike: a valid value
 * builds, a malformed option is a usage error (exit 2), a malformed
 * SOURCE_DATE_EPOCH variable is BAD_SOURCE_DATE_EPOCH (exit 1) unless the option
 * is given, and the option and the variable give the same bytes.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { debsCache } from '../../helpers/cache.js';
import { distrokit } from '../../helpers/cli.js';
import { tempDir } from '../image/oracle.js';

const work = tempDir('sde-cli');
afterAll(() => work.cleanup());
const src = join(work.dir, 'src');
mkdirSync(join(src, 'etc'), { recursive: true });
writeFileSync(join(src, 'etc', 'hostname'), 'box\n');

const BAD = ['-1', '1.5', '', ' 5', '1e9', '0x10', '4294967296'];
const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

const COMMANDS: [string, (out: string) => string[]][] = [
  ['ext4 build', (out) => ['ext4', 'build', '--out', out, '--from', src, '--quiet']],
  ['initrd build', (out) => ['initrd', 'build', '--out', out, '--from', src, '--compress', 'none']],
];

describe.each(COMMANDS)('%s --source-date-epoch', (name, args) => {
  const out = (tag: string): string => join(work.dir, `${name.replace(' ', '-')}-${tag}.img`);

  it('a malformed option is a usage error naming it (exit 2), and nothing is written', () => {
    for (const value of BAD) {
      // The = form: parseArgs itself refuses a separate argument starting with '-'.
      const r = distrokit([...args(out('bad-opt')), `--source-date-epoch=${value}`], { env: { SOURCE_DATE_EPOCH: '' } });
      expect([value, r.status]).toEqual([value, 2]);
      expect(r.stderr).toContain(`--source-date-epoch '${value}'`);
    }
    expect(readdirSync(work.dir).filter((f) => f.includes('bad-opt'))).toEqual([]);
  });

  it('a malformed SOURCE_DATE_EPOCH is BAD_SOURCE_DATE_EPOCH (exit 1); the option overrides it', () => {
    for (const value of BAD.filter((v) => v !== '')) {
      const r = distrokit(args(out('bad-env')), { env: { SOURCE_DATE_EPOCH: value } });
      expect([value, r.status]).toEqual([value, 1]);
      expect(r.stderr).toContain(`BAD_SOURCE_DATE_EPOCH: SOURCE_DATE_EPOCH '${value}'`);
    }
    expect(readdirSync(work.dir).filter((f) => f.includes('bad-env'))).toEqual([]);
    expect(distrokit([...args(out('override')), '--source-date-epoch', '86400'], { env: { SOURCE_DATE_EPOCH: '-1' } }).status).toBe(0);
  });

  it('the option and the variable give the same bytes; another time gives others', () => {
    expect(distrokit([...args(out('opt')), '--source-date-epoch', '86400'], { env: { SOURCE_DATE_EPOCH: '' } }).status).toBe(0);
    expect(distrokit(args(out('env')), { env: { SOURCE_DATE_EPOCH: '86400' } }).status).toBe(0);
    expect(distrokit([...args(out('other')), '--source-date-epoch', '86401'], { env: { SOURCE_DATE_EPOCH: '' } }).status).toBe(0);
    expect(sha(out('opt'))).toBe(sha(out('env')));
    expect(sha(out('other'))).not.toBe(sha(out('opt')));
  });
});

describe('ext4 build --from-deb --source-date-epoch', () => {
  it('equals SOURCE_DATE_EPOCH, the root and directories no package lists included', () => {
    const deb = join(debsCache.pool, readdirSync(debsCache.pool).find((f) => f.startsWith('base-files_'))!);
    const opt = join(work.dir, 'deb-opt.img');
    const env = join(work.dir, 'deb-env.img');
    const args = (out: string) => ['ext4', 'build', '--out', out, '--quiet', '--merged-usr', '--from-deb', deb];
    expect(distrokit([...args(opt), '--source-date-epoch', '86400'], { env: { SOURCE_DATE_EPOCH: '' } }).status).toBe(0);
    expect(distrokit(args(env), { env: { SOURCE_DATE_EPOCH: '86400' } }).status).toBe(0);
    expect(sha(opt)).toBe(sha(env));
  });
});
