/** The catalog's lookups: names and aliases, close-name suggestions, mirror:// resolution with overrides, snapshot URLs. */
import { describe, expect, it } from 'vitest';
import { listDistributions, lookupDistribution, mirrorEnvName, mirrorUrl, resolveMirrorUrl, snapshotUrl } from '../../../src/fetch/catalog.js';

describe('the distribution catalog', () => {
  it('has the releases the issue asks for, each complete for its family', () => {
    const names = listDistributions().map((d) => d.name);
    for (const n of ['debian-11', 'debian-12', 'debian-13', 'ubuntu-22.04', 'ubuntu-24.04', 'fedora-42', 'fedora-43', 'rocky-9', 'rocky-10', 'alma-9', 'alma-10', 'opensuse-leap-15.6'])
      expect(names).toContain(n);
    expect(new Set(names).size).toBe(names.length);
    for (const d of listDistributions()) {
      if (d.family === 'deb') {
        expect(d.suites!.length).toBe(3);
        expect(d.components!.length).toBeGreaterThan(0);
        for (const s of d.suites!) expect(mirrorUrl(s.mirror, {}, {})).toMatch(/^https?:\/\//);
      } else {
        expect(d.repositories!.length).toBeGreaterThan(0);
        for (const r of d.repositories!) expect(mirrorUrl(r.mirror, {}, {})).toMatch(/^https?:\/\//);
      }
      expect(d.packages.length).toBeGreaterThan(15);
    }
    expect(lookupDistribution('debian-12').architectures).toEqual(['amd64', 'i386']);
    expect(lookupDistribution('ubuntu-22.04').architectures).toContain('i386');
  });

  it('finds a distribution by name or codename, and names close ones for an unknown name', () => {
    expect(lookupDistribution('bookworm').name).toBe('debian-12');
    expect(lookupDistribution('Noble').name).toBe('ubuntu-24.04');
    const err = (() => {
      try {
        lookupDistribution('debian-14');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toMatchObject({ code: 'DIST_UNKNOWN', data: { entry: 'debian-14' } });
    expect((err as { data: { candidates: string[] } }).data.candidates).toContain('debian-13');
    expect(() => lookupDistribution('fedora42')).toThrow(/fedora-42/);
  });

  it('resolves mirror:// through an override, the environment, then the catalog', () => {
    expect(resolveMirrorUrl('mirror://debian/pool/main/b/bash/x.deb', {}, {})).toBe('http://deb.debian.org/debian/pool/main/b/bash/x.deb');
    expect(mirrorEnvName('debian-security')).toBe('DISTROKIT_MIRROR_debian_security');
    const env = { DISTROKIT_MIRROR_debian: 'http://127.0.0.1:8080/debian/' };
    expect(resolveMirrorUrl('mirror://debian/dists/bookworm/InRelease', {}, env)).toBe('http://127.0.0.1:8080/debian/dists/bookworm/InRelease');
    expect(resolveMirrorUrl('mirror://debian/x', { debian: 'file:///srv/debian' }, env)).toBe('file:///srv/debian/x');
    expect(resolveMirrorUrl('https://example.org/x', {}, {})).toBe('https://example.org/x');
    expect(() => resolveMirrorUrl('mirror://nope/x', {}, {})).toThrow(expect.objectContaining({ code: 'FETCH_UNKNOWN_MIRROR' }));
    expect(() => resolveMirrorUrl('mirror:debian', {}, {})).toThrow(expect.objectContaining({ code: 'FETCH_BAD_URL' }));
  });

  it('fills snapshot templates with a checked timestamp or a point release', () => {
    expect(snapshotUrl(lookupDistribution('debian-12'), 'debian', '20260105T082626Z')).toBe('https://snapshot.debian.org/archive/debian/20260105T082626Z');
    expect(snapshotUrl(lookupDistribution('ubuntu-24.04'), 'ubuntu', '20260101T000000Z')).toBe('https://snapshot.ubuntu.com/ubuntu/20260101T000000Z');
    expect(snapshotUrl(lookupDistribution('rocky-9'), 'rocky', '9.6')).toBe('https://dl.rockylinux.org/vault/rocky/9.6');
    expect(() => snapshotUrl(lookupDistribution('debian-12'), 'debian', '2026-01-05')).toThrow(expect.objectContaining({ code: 'FETCH_BAD_URL' }));
  });
});
