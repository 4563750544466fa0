/** The half-MD4 directory hash against its oracle, debugfs's dx_hash (signed-char variant, as mke2fs on x86). */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { halfMd4Hash } from '../../../formats/ext4/hash.js';

describe('half-MD4 directory hash', () => {
  const seedText = '121824f6-981b-5e22-8d70-8f9a5cd99ab6';
  const seedBytes = Buffer.from(seedText.replace(/-/g, ''), 'hex');
  const seed = new Uint32Array(4).map((_, i) => seedBytes.readUInt32LE(i * 4));
  const names = ['a', 'hello', 'héllo wörld', 'x'.repeat(31), 'y'.repeat(32), 'z'.repeat(33), 'n'.repeat(255), 'ünïcödé-名前'];
  it('equals debugfs dx_hash for ASCII, UTF-8 and 1..255-byte names', () => {
    const img = execFileSync('mktemp', { encoding: 'utf8' }).trim();
    try {
      execFileSync('mkfs.ext4', ['-q', '-F', img, '1M'], { stdio: 'ignore' });
      for (const name of names) {
        const out = execFileSync('debugfs', ['-R', `dx_hash -h half_md4 -s ${seedText} "${name}"`, img], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
        const m = /is (0x[0-9a-f]+) \(minor (0x[0-9a-f]+)\)/.exec(out)!;
        const h = halfMd4Hash(Buffer.from(name), seed, false);
        expect([name, h.hash, h.minor]).toEqual([name, Number(m[1]), Number(m[2])]);
      }
    } finally {
      execFileSync('rm', ['-f', img]);
    }
  });
});
