/** `catalog list|show` and `fetch packages` argument and lock errors, run in-process. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as catalog } from '../../../src/cli/catalog.js';
import { run as fetchGroup } from '../../../src/cli/fetch-packages.js';
import { distrokitInProcess } from '../../helpers/cli.js';

describe('distrokit catalog', () => {
  it('list names every distribution, as text and JSON', async () => {
    const text = await distrokitInProcess(() => catalog(['list']));
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^debian-12\s+deb\s+amd64,i386\s+Debian 12 \(bookworm\)$/m);
    const json = await distrokitInProcess(() => catalog(['list', '--json']));
    expect(JSON.parse(json.stdout).distributions.map((d: { name: string }) => d.name)).toContain('opensuse-leap-15.6');
  });

  it('show gives suites, keys and packages, with a mirror override from the environment', async () => {
    process.env.DISTROKIT_MIRROR_debian_security = 'http://127.0.0.1:9/debian-security';
    try {
      const shown = await distrokitInProcess(() => catalog(['show', 'bookworm', '--json']));
      const doc = JSON.parse(shown.stdout);
      expect(doc.mirrors).toEqual({ debian: 'http://deb.debian.org/debian', 'debian-security': 'http://127.0.0.1:9/debian-security' });
      expect(doc.suites.map((s: { suite: string }) => s.suite)).toEqual(['bookworm', 'bookworm-updates', 'bookworm-security']);
      expect(doc.keys.map((k: { fingerprint: string }) => k.fingerprint)).toContain('B8B80B5B623EAB6AD8775C45B7C5D7D6350947F8');
    } finally {
      delete process.env.DISTROKIT_MIRROR_debian_security;
    }
    const text = await distrokitInProcess(() => catalog(['show', 'fedora-43']));
    expect(text.stdout).toContain('repository fedora: mirror://fedora/releases/43/Everything/{arch}/os');
    await expect(distrokitInProcess(() => catalog(['show', 'fedora-44']))).rejects.toMatchObject({ code: 'DIST_UNKNOWN' });
  });
});

describe('distrokit fetch packages', () => {
  it('needs --lock and --cache, and names a lock that is not a closure document', async () => {
    await expect(distrokitInProcess(() => fetchGroup(['packages', '--cache', '/tmp/x']))).rejects.toThrow(/--lock/);
    await expect(distrokitInProcess(() => fetchGroup(['packages', '--lock', 'x.json']))).rejects.toThrow(/--cache/);
    const dir = mkdtempSync(join(tmpdir(), 'distrokit-lock-'));
    try {
      for (const [text, code, why] of [
        ['{"x":1}', 'FETCH_LOCK_INVALID', /no packages array/],
        ['not json', 'FETCH_LOCK_INVALID', /JSON/],
        ['{"packages":[{"name":"a","url":"http://x/a.deb","checksum":{"type":"md5","value":"00"}}]}', 'FETCH_UNSUPPORTED_CHECKSUM', /md5/],
        ['{"packages":[{"name":"a","url":null,"location":"pool/a.deb","checksum":{"type":"sha256","value":"' + '0'.repeat(64) + '"}}]}', 'FETCH_LOCK_INVALID', /no url/],
      ] as const) {
        writeFileSync(join(dir, 'lock.json'), text);
        await expect(distrokitInProcess(() => fetchGroup(['packages', '--lock', join(dir, 'lock.json'), '--cache', join(dir, 'cache')]))).rejects.toMatchObject({
          code,
          message: expect.stringMatching(why),
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
