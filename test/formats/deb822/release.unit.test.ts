/** parseRelease on a Release text shaped like Debian's (offline). */
import { describe, expect, it } from 'vitest';
import { parseRelease } from '../../../formats/deb822/release.js';

const HASH = (c: string) => c.repeat(64);
const RELEASE = `Origin: Debian
Label: Debian-Security
Suite: oldstable-security
Codename: bookworm-security
Date: Fri, 04 Dec 2026 03:54:28 UTC
Valid-Until: Fri, 11 Dec 2026 03:54:28 UTC
Acquire-By-Hash: yes
Architectures: amd64 arm64
Components: updates/main updates/contrib
MD5Sum:
 ${'0'.repeat(32)} 12 main/binary-amd64/Packages
SHA256:
 ${HASH('a')}  2582634 main/binary-amd64/Packages
 ${HASH('b')}   385992 main/binary-amd64/Packages.xz
`;

describe('parseRelease', () => {
  it('reads the fields a fetcher needs and the SHA256 list (not MD5Sum)', () => {
    const r = parseRelease(RELEASE, 'Release');
    expect(r.codename).toBe('bookworm-security');
    expect(r.suite).toBe('oldstable-security');
    expect(r.date?.toISOString()).toBe('2026-12-04T03:54:28.000Z');
    expect(r.validUntil?.toISOString()).toBe('2026-12-11T03:54:28.000Z');
    expect(r.acquireByHash).toBe(true);
    expect(r.architectures).toEqual(['amd64', 'arm64']);
    expect(r.components).toEqual(['updates/main', 'updates/contrib']);
    expect([...r.sha256.values()]).toEqual([
      { path: 'main/binary-amd64/Packages', size: 2582634, sha256: HASH('a') },
      { path: 'main/binary-amd64/Packages.xz', size: 385992, sha256: HASH('b') },
    ]);
  });

  it.each([
    ['no SHA256 list', RELEASE.replace(/SHA256:[\s\S]*/, '')],
    ['a bad date', RELEASE.replace('Fri, 11 Dec 2026 03:54:28 UTC', 'someday')],
    ['a short hash', RELEASE.replace(HASH('a'), 'abc')],
    ['a path leaving the suite', RELEASE.replace('main/binary-amd64/Packages.xz', '../../etc/passwd')],
    ['two stanzas', `${RELEASE}\nOrigin: other\n`],
  ])('%s is RELEASE_BAD', (_, text) => {
    expect(() => parseRelease(text, 'Release')).toThrow(expect.objectContaining({ code: 'RELEASE_BAD' }));
  });
});
