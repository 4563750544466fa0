import { describe, expect, it } from 'vitest';
import { crc32c, crc32cRaw } from '../../../formats/ext4/crc32c.js';
import { extentTreeBlocks } from '../../../formats/ext4/extents.js';
import { halfMd4Hash } from '../../../formats/ext4/hash.js';
import { encodeTime } from '../../../formats/ext4/inode.js';
import { posixAclToDisk } from '../../../formats/ext4/xattr.js';
import { isDistrokitError } from '../../../formats/errors.js';

describe('crc32c', () => {
  it('matches the published check value and is chunk-independent', () => {
    const data = new TextEncoder().encode('123456789');
    expect(crc32c(data).toString(16)).toBe('e3069283');
    const whole = crc32cRaw(0xffffffff, data);
    let split = 0xffffffff;
    for (const b of data) split = crc32cRaw(split, new Uint8Array([b]));
    expect(split).toBe(whole);
  });
});

describe('half-MD4 directory hash', () => {
  // test/formats/ext4/dx-hash.test.ts compares with debugfs's dx_hash.
  const seedText = '121824f6-981b-5e22-8d70-8f9a5cd99ab6';
  const seedBytes = Buffer.from(seedText.replace(/-/g, ''), 'hex');
  const seed = new Uint32Array(4).map((_, i) => seedBytes.readUInt32LE(i * 4));
  it('differs between signed and unsigned only for bytes ≥ 0x80', () => {
    expect(halfMd4Hash(Buffer.from('hello'), seed, true)).toEqual(halfMd4Hash(Buffer.from('hello'), seed, false));
    expect(halfMd4Hash(Buffer.from('héllo'), seed, true)).not.toEqual(halfMd4Hash(Buffer.from('héllo'), seed, false));
  });
});

describe('inode times', () => {
  it('encodes −1, 0, 2^31 and 2^33 with nanoseconds and epoch bits', () => {
    expect(encodeTime({ sec: -1, nsec: 0 })).toEqual([0xffffffff, 0]);
    expect(encodeTime({ sec: 0, nsec: 999_999_999 })).toEqual([0, (999_999_999 << 2) >>> 0]);
    expect(encodeTime({ sec: 2 ** 31, nsec: 1 })).toEqual([0x80000000, (1 << 2) | 1]);
    expect(encodeTime({ sec: 2 ** 33, nsec: 7 })).toEqual([0, (7 << 2) | 2]);
  });
  it('rejects times from 2310-04-04 on (e2fsck reads them as pre-1970) and before 1901', () => {
    expect(() => encodeTime({ sec: 2 ** 33 + 2 ** 31, nsec: 0 })).toThrow(expect.objectContaining({ code: 'EXT4_TIME_OUT_OF_RANGE' }));
    expect(() => encodeTime({ sec: -(2 ** 31) - 1, nsec: 0 })).toThrow(expect.objectContaining({ code: 'EXT4_TIME_OUT_OF_RANGE' }));
    expect(encodeTime({ sec: 2 ** 33 + 2 ** 31 - 1, nsec: 0 })).toEqual([0x7fffffff, 2]);
  });
});

describe('extent tree sizes', () => {
  it('needs 0 blocks up to 4 extents, depth 1 to 1360, depth 2 beyond', () => {
    expect(extentTreeBlocks(4)).toBe(0);
    expect(extentTreeBlocks(5)).toBe(1);
    expect(extentTreeBlocks(1360)).toBe(4);
    expect(extentTreeBlocks(1361)).toBe(5 + 1);
  });
});

describe('POSIX ACL conversion', () => {
  it('turns the v2 xattr form into ext4 v1 with short entries', () => {
    const raw = Buffer.alloc(4 + 4 * 8);
    raw.writeUInt32LE(2, 0);
    [[1, 6, 0xffffffff], [2, 4, 1000], [4, 4, 0xffffffff], [0x20, 0, 0xffffffff]].forEach(([tag, perm, id], i) => {
      raw.writeUInt16LE(tag!, 4 + i * 8);
      raw.writeUInt16LE(perm!, 6 + i * 8);
      raw.writeUInt32LE(id!, 8 + i * 8);
    });
    const disk = Buffer.from(posixAclToDisk(raw, 'system.posix_acl_access'));
    expect(disk.toString('hex')).toBe('01000000' + '01000600' + '02000400e8030000' + '04000400' + '20000000');
  });
  it('rejects a malformed ACL with a typed error', () => {
    try {
      posixAclToDisk(new Uint8Array(5), 'system.posix_acl_access');
      expect.unreachable();
    } catch (err) {
      expect(isDistrokitError(err, 'EXT4_BAD_ACL')).toBe(true);
    }
  });
});
