/** SOURCE_DATE_EPOCH: one strict rule for the environment variable, the CLI option and library numbers. */
import { describe, expect, it } from 'vitest';
import { checkSourceDateEpoch, MAX_SOURCE_DATE_EPOCH, parseSourceDateEpoch, sourceDateEpoch } from '../../../src/tree/epoch.js';
import { defaultMtime, newDir, Tree } from '../../../src/tree/tree.js';
import { defaultEpoch } from '../../../src/initrd/tree-to-cpio.js';

function errorOf(fn: () => unknown): { code?: string; message: string; data?: Record<string, unknown> } {
  try {
    fn();
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error('no error');
}

const INVALID = ['-1', '-0', '+5', '1.5', '1.0', '', ' ', ' 5', '5 ', '5\n', '\t5', '1e9', '0x10', '0o7', '0b1', 'abc', '1_000', '١٢٣', 'Infinity', 'NaN', '4294967296', '99999999999999999999999', '1'.repeat(400)];

describe('parseSourceDateEpoch', () => {
  it('accepts decimal digits up to 2^32 - 1 (leading zeros too)', () => {
    expect(MAX_SOURCE_DATE_EPOCH).toBe(2 ** 32 - 1);
    for (const [text, value] of [['0', 0], ['1', 1], ['1700000000', 1_700_000_000], ['4294967295', 4_294_967_295], ['0004294967295', 4_294_967_295], ['00', 0]] as const) {
      expect([text, parseSourceDateEpoch(text, '--source-date-epoch')]).toEqual([text, value]);
    }
  });

  it.each(INVALID)('rejects %j with BAD_SOURCE_DATE_EPOCH naming the origin', (text) => {
    for (const origin of ['SOURCE_DATE_EPOCH', '--source-date-epoch']) {
      const err = errorOf(() => parseSourceDateEpoch(text, origin));
      expect(err.code).toBe('BAD_SOURCE_DATE_EPOCH');
      expect(err.message.startsWith(`${origin} '`)).toBe(true);
      expect(err.data).toMatchObject({ origin, value: text });
    }
  });
});

describe('sourceDateEpoch (the environment)', () => {
  it('is undefined when unset or empty, the value when valid, an error otherwise', () => {
    expect(sourceDateEpoch({})).toBeUndefined();
    expect(sourceDateEpoch({ SOURCE_DATE_EPOCH: '' })).toBeUndefined();
    expect(sourceDateEpoch({ SOURCE_DATE_EPOCH: '86400' })).toBe(86400);
    for (const text of INVALID.filter((s) => s !== '')) {
      expect([text, errorOf(() => sourceDateEpoch({ SOURCE_DATE_EPOCH: text })).code]).toEqual([text, 'BAD_SOURCE_DATE_EPOCH']);
    }
  });

  it('is what the tree, cpio and ext4 defaults use', () => {
    const saved = process.env.SOURCE_DATE_EPOCH;
    try {
      process.env.SOURCE_DATE_EPOCH = '86400';
      expect(defaultMtime()).toEqual({ sec: 86400, nsec: 0 });
      expect(new Tree().root.mtime).toEqual({ sec: 86400, nsec: 0 });
      expect(defaultEpoch()).toBe(86400);
      process.env.SOURCE_DATE_EPOCH = '-5';
      // Formerly ignored by the tree: now an error everywhere, unless an explicit time makes it irrelevant.
      expect(errorOf(() => new Tree()).code).toBe('BAD_SOURCE_DATE_EPOCH');
      expect(errorOf(() => defaultEpoch()).code).toBe('BAD_SOURCE_DATE_EPOCH');
      expect(new Tree({ implicitMtime: { sec: 7, nsec: 0 } }).root.mtime).toEqual({ sec: 7, nsec: 0 });
      expect(newDir({ mtime: { sec: 8, nsec: 0 } }).mtime).toEqual({ sec: 8, nsec: 0 });
      delete process.env.SOURCE_DATE_EPOCH;
      expect(defaultMtime()).toEqual({ sec: 0, nsec: 0 });
      expect(defaultEpoch()).toBe(1);
    } finally {
      if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
      else process.env.SOURCE_DATE_EPOCH = saved;
    }
  });
});

describe('checkSourceDateEpoch (library numbers)', () => {
  it('takes integers 0 … 2^32 - 1 and nothing else', () => {
    expect(checkSourceDateEpoch(0, 'sourceDateEpoch')).toBe(0);
    expect(checkSourceDateEpoch(2 ** 32 - 1, 'sourceDateEpoch')).toBe(2 ** 32 - 1);
    for (const v of [-1, 1.5, 2 ** 32, Number.NaN, Infinity, -Infinity]) {
      expect([v, errorOf(() => checkSourceDateEpoch(v, 'sourceDateEpoch')).code]).toEqual([v, 'BAD_SOURCE_DATE_EPOCH']);
    }
  });
});
