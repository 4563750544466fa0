/**
 * The default VM packages from apt lists: the kernel the cloud metapackage
 * depends on and busybox-static, the highest version across the lists, with
 * the URL of the list it came from; the remembered resolution is used only
 * while the lists are unchanged; and the coded errors when lists or packages
 * are missing. The lists are small hand-written Packages files named the way
 * apt names them.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveGuestPackages } from '../../../src/vm/packages.js';

const MAIN = 'deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages';
const SECURITY = 'deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages';
const sha = (c: string) => c.repeat(64);

function stanza(name: string, version: string, extra: Record<string, string> = {}): string {
  const fields: Record<string, string> = {
    Package: name,
    Version: version,
    Architecture: 'amd64',
    Filename: `pool/main/x/${name}_${version}_amd64.deb`,
    Size: '1234',
    SHA256: sha('a'),
    ...extra,
  };
  return `${Object.entries(fields).filter(([, v]) => v !== '').map(([k, v]) => `${k}: ${v}`).join('\n')}\n`;
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'distrokit-vmpkgs-'));
  dirs.push(d);
  return d;
}

/** A lists directory with the given Packages files, and an empty vm cache. */
function setup(lists: Record<string, string[]>): { aptListsDir: string; cacheDir: string } {
  const root = temp();
  const aptListsDir = join(root, 'lists');
  mkdirSync(aptListsDir);
  for (const [name, stanzas] of Object.entries(lists)) writeFileSync(join(aptListsDir, name), stanzas.join('\n'));
  return { aptListsDir, cacheDir: join(root, 'cache') };
}

const BOOKWORM = [
  stanza('linux-image-cloud-amd64', '6.1.100-1', { Depends: 'linux-image-6.1.0-20-cloud-amd64 (= 6.1.100-1)', SHA256: sha('1') }),
  stanza('linux-image-6.1.0-20-cloud-amd64', '6.1.100-1', { SHA256: sha('2'), Size: '26000000' }),
  stanza('busybox-static', '1:1.35.0-4', { SHA256: sha('3'), Size: '900000' }),
];
const SECURITY_UPDATE = [
  stanza('linux-image-cloud-amd64', '6.1.200-1', { Depends: 'linux-image-6.1.0-30-cloud-amd64 (= 6.1.200-1)', SHA256: sha('4') }),
  stanza('linux-image-6.1.0-30-cloud-amd64', '6.1.200-1', { SHA256: sha('5'), Size: '27000000', Filename: 'pool/updates/main/l/linux-signed-amd64/linux-image-6.1.0-30-cloud-amd64_6.1.200-1_amd64.deb' }),
];

describe('resolveGuestPackages', () => {
  it("takes the kernel the metapackage's highest version depends on, with its list's URL, and busybox-static", async () => {
    const options = setup({ [MAIN]: BOOKWORM, [SECURITY]: SECURITY_UPDATE });
    const { kernel, busybox } = await resolveGuestPackages(options);
    expect(kernel).toEqual({
      name: 'linux-image-6.1.0-30-cloud-amd64',
      version: '6.1.200-1',
      url: 'http://deb.debian.org/debian-security/pool/updates/main/l/linux-signed-amd64/linux-image-6.1.0-30-cloud-amd64_6.1.200-1_amd64.deb',
      file: 'linux-image-6.1.0-30-cloud-amd64_6.1.200-1_amd64.deb',
      sha256: sha('5'),
      size: 27000000,
    });
    expect(busybox).toMatchObject({ name: 'busybox-static', version: '1:1.35.0-4', url: 'http://deb.debian.org/debian/pool/main/x/busybox-static_1:1.35.0-4_amd64.deb', sha256: sha('3'), size: 900000 });
  });

  it('remembers the resolution while the lists are unchanged, and resolves again when one changes', async () => {
    const options = setup({ [MAIN]: BOOKWORM, [SECURITY]: SECURITY_UPDATE });
    await resolveGuestPackages(options);
    const memo = join(options.cacheDir, 'packages.json');
    // Mark the remembered answer: if it comes back, the lists were not read again.
    const remembered = JSON.parse(readFileSync(memo, 'utf8'));
    remembered.packages.kernel.version = 'remembered';
    writeFileSync(memo, JSON.stringify(remembered));
    expect((await resolveGuestPackages(options)).kernel.version).toBe('remembered');
    // apt-get update rewrites a list: the security update is gone now.
    writeFileSync(join(options.aptListsDir, SECURITY), '');
    const later = new Date(Date.now() + 5000);
    utimesSync(join(options.aptListsDir, SECURITY), later, later);
    expect((await resolveGuestPackages(options)).kernel).toMatchObject({ name: 'linux-image-6.1.0-20-cloud-amd64', version: '6.1.100-1', sha256: sha('2') });
    // A memo that is not JSON is ignored.
    writeFileSync(memo, '{');
    expect((await resolveGuestPackages(options)).kernel.version).toBe('6.1.100-1');
  });

  it('no lists: VM_NO_APT_LISTS saying to run apt-get update', async () => {
    const options = setup({});
    await expect(resolveGuestPackages(options)).rejects.toMatchObject({ code: 'VM_NO_APT_LISTS', message: expect.stringContaining("run 'apt-get update'"), data: { file: options.aptListsDir } });
  });

  it('a package missing from the lists, or without SHA256: VM_PACKAGE_NOT_IN_LISTS naming it', async () => {
    const noBusybox = setup({ [MAIN]: BOOKWORM.slice(0, 2) });
    await expect(resolveGuestPackages(noBusybox)).rejects.toMatchObject({ code: 'VM_PACKAGE_NOT_IN_LISTS', data: { entry: 'busybox-static' } });
    const noImage = setup({ [MAIN]: [BOOKWORM[0]!, BOOKWORM[2]!] });
    await expect(resolveGuestPackages(noImage)).rejects.toMatchObject({
      code: 'VM_PACKAGE_NOT_IN_LISTS',
      message: expect.stringContaining('the kernel linux-image-cloud-amd64 6.1.100-1 depends on'),
      data: { entry: 'linux-image-6.1.0-20-cloud-amd64' },
    });
    const noMeta = setup({ [MAIN]: BOOKWORM.slice(1) });
    await expect(resolveGuestPackages(noMeta)).rejects.toMatchObject({ code: 'VM_PACKAGE_NOT_IN_LISTS', data: { entry: 'linux-image-cloud-amd64' } });
    const noSha = setup({ [MAIN]: [BOOKWORM[0]!, BOOKWORM[1]!, stanza('busybox-static', '1:1.35.0-4', { SHA256: '' })] });
    await expect(resolveGuestPackages(noSha)).rejects.toMatchObject({ code: 'VM_PACKAGE_NOT_IN_LISTS', message: expect.stringContaining('no Filename or SHA256'), data: { entry: 'busybox-static' } });
  });
});
