/**
 * The distribution catalog as data: where each release's packages live
 * (mirror names resolved through MIRRORS, so `mirror://debian/…` URLs and a
 * test's loopback override work the same way), its snapshot service, suites
 * or repositories, components, architectures, the keys that sign its
 * indexes, and the common package set nixpkgs' vmTools installs.
 *
 * Where the facts come from:
 * - Debian keys: `gpg --show-keys /usr/share/keyrings/debian-archive-keyring.gpg`
 *   (debian-archive-keyring 2023.3+deb12u2, installed here); the machine's
 *   bookworm InRelease files verify with gpgv against subkeys of these keys.
 * - Ubuntu keys: ubuntu-keyring 2023.11.28.1-0.2 from Debian trixie (sha256
 *   b2e7ed48431bf9e7978ae810bbdaf253093570d6e3f864e575b7c13554b81174),
 *   usr/share/keyrings/ubuntu-archive-keyring.gpg.
 * - Fedora, Rocky, Alma and openSUSE keys: distribution-gpg-keys
 *   (rpm-software-management/distribution-gpg-keys at 65c3eae5, 2026-08-11;
 *   Debian trixie ships it as distribution-gpg-keys 1.119+ds-1~deb13u1),
 *   keys/fedora/RPM-GPG-KEY-fedora-NN-primary, keys/rocky/RPM-GPG-KEY-Rocky-N,
 *   keys/alma/RPM-GPG-KEY-AlmaLinux-N, keys/opensuse/RPM-GPG-KEY-openSUSE-*.
 * - Package sets, snapshot forms, suites and components: nixpkgs
 *   pkgs/build-support/vm/default.nix after PR #471901 (Dec 2025), with
 *   today's Debian names (sysvinit → sysvinit-core, diff → diffutils).
 * Fingerprints are of primary keys; indexes are signed by their subkeys.
 */

export type Family = 'deb' | 'rpm';

/** A key that signs a distribution's indexes. */
export interface SigningKey {
  /** The primary key's full fingerprint (40 hex digits, upper case). */
  fingerprint: string;
  uid: string;
  /** Where the key was read from (package and file). */
  source: string;
}

/** A Debian-style suite: `MIRROR/dists/SUITE/COMPONENT/binary-ARCH/Packages`. */
export interface DebSuite {
  /** A name of MIRRORS. */
  mirror: string;
  suite: string;
}

/** An rpm-md repository: `MIRROR/PATH/repodata/repomd.xml`; `{arch}` in path is the architecture. */
export interface RpmRepository {
  id: string;
  mirror: string;
  path: string;
}

export interface Distribution {
  /** The catalog name (`debian-12`, `fedora-42`). */
  name: string;
  /** Other names that find it (codenames). */
  aliases: string[];
  title: string;
  family: Family;
  /** Package architectures published (`amd64`/`i386` for deb, `x86_64` for rpm). */
  architectures: string[];
  /** deb: the suites, in the order closures read them (release, updates, security). */
  suites?: DebSuite[];
  /** deb: the components read by default. */
  components?: string[];
  /** rpm: the repositories read by default. */
  repositories?: RpmRepository[];
  /**
   * A point-in-time archive: the URL template of each mirror name with
   * `{timestamp}` (YYYYMMDDTHHMMSSZ) or `{version}` (a point release).
   */
  snapshot?: Record<string, string>;
  keys: SigningKey[];
  /** Where the keyring usually is on a host that has the distribution's keyring package. */
  keyringPath: string;
  /** The package that ships that keyring. */
  keyringPackage: string;
  /** The common package set (nixpkgs' commonDebianPackages, commonFedoraPackages … with today's names). */
  packages: string[];
}

/** Mirror names (`mirror://NAME/…`) and their default base URLs. */
export const MIRRORS: Readonly<Record<string, string>> = {
  debian: 'http://deb.debian.org/debian',
  'debian-security': 'http://deb.debian.org/debian-security',
  ubuntu: 'http://archive.ubuntu.com/ubuntu',
  'ubuntu-security': 'http://security.ubuntu.com/ubuntu',
  fedora: 'https://dl.fedoraproject.org/pub/fedora/linux',
  rocky: 'https://dl.rockylinux.org/pub/rocky',
  almalinux: 'https://repo.almalinux.org/almalinux',
  opensuse: 'https://download.opensuse.org',
};

const DEBIAN_KEYRING = 'debian-archive-keyring 2023.3+deb12u2, /usr/share/keyrings/debian-archive-keyring.gpg';
const UBUNTU_KEYRING = 'ubuntu-keyring 2023.11.28.1-0.2 (Debian trixie), /usr/share/keyrings/ubuntu-archive-keyring.gpg';
const DGK = (file: string) => `distribution-gpg-keys (rpm-software-management/distribution-gpg-keys 65c3eae5), keys/${file}`;

const DEBIAN_KEYS = {
  11: [
    { fingerprint: '1F89983E0081FDE018F3CC9673A4F27B8DD47936', uid: 'Debian Archive Automatic Signing Key (11/bullseye) <ftpmaster@debian.org>', source: DEBIAN_KEYRING },
    { fingerprint: 'AC530D520F2F3269F5E98313A48449044AAD5C5D', uid: 'Debian Security Archive Automatic Signing Key (11/bullseye) <ftpmaster@debian.org>', source: DEBIAN_KEYRING },
    { fingerprint: 'A4285295FC7B1A81600062A9605C66F00D6C9793', uid: 'Debian Stable Release Key (11/bullseye) <debian-release@lists.debian.org>', source: DEBIAN_KEYRING },
  ],
  12: [
    { fingerprint: 'B8B80B5B623EAB6AD8775C45B7C5D7D6350947F8', uid: 'Debian Archive Automatic Signing Key (12/bookworm) <ftpmaster@debian.org>', source: DEBIAN_KEYRING },
    { fingerprint: '05AB90340C0C5E797F44A8C8254CF3B5AEC0A8F0', uid: 'Debian Security Archive Automatic Signing Key (12/bookworm) <ftpmaster@debian.org>', source: DEBIAN_KEYRING },
    { fingerprint: '4D64FEC119C2029067D6E791F8D2585B8783D481', uid: 'Debian Stable Release Key (12/bookworm) <debian-release@lists.debian.org>', source: DEBIAN_KEYRING },
  ],
  13: [
    { fingerprint: '04B54C3CDCA79751B16BC6B5225629DF75B188BD', uid: 'Debian Archive Automatic Signing Key (13/trixie) <ftpmaster@debian.org>', source: DEBIAN_KEYRING },
    { fingerprint: '5E04A1E3223A19A20706E20F9904613D4CCE68C6', uid: 'Debian Security Archive Automatic Signing Key (13/trixie) <ftpmaster@debian.org>', source: DEBIAN_KEYRING },
    { fingerprint: '41587F7DB8C774BCCF131416762F67A0B2C39DE4', uid: 'Debian Stable Release Key (13/trixie) <debian-release@lists.debian.org>', source: DEBIAN_KEYRING },
  ],
} as const;

const UBUNTU_KEYS: SigningKey[] = [
  { fingerprint: 'F6ECB3762474EDA9D21B7022871920D1991BC93C', uid: 'Ubuntu Archive Automatic Signing Key (2018) <ftpmaster@ubuntu.com>', source: UBUNTU_KEYRING },
  { fingerprint: '790BC7277767219C42C86F933B4FE6ACC0B21F32', uid: 'Ubuntu Archive Automatic Signing Key (2012) <ftpmaster@ubuntu.com>', source: UBUNTU_KEYRING },
];

/** nixpkgs' commonDebPackages. */
const COMMON_DEB = [
  'base-passwd', 'dpkg', 'libc6-dev', 'perl', 'bash', 'dash', 'gzip', 'bzip2', 'tar', 'grep', 'mawk', 'sed', 'findutils', 'g++', 'make', 'curl', 'patch',
  'locales', 'coreutils', 'util-linux', 'file', 'dpkg-dev', 'pkg-config', 'login', 'passwd',
];
/** commonDebianPackages: nixpkgs adds sysvinit and diff, today sysvinit-core and diffutils. */
const COMMON_DEBIAN = [...COMMON_DEB, 'sysvinit-core', 'diffutils'];
/** nixpkgs' Ubuntu entries: commonDebPackages plus diffutils and libc-bin. */
const COMMON_UBUNTU = [...COMMON_DEB, 'diffutils', 'libc-bin'];
/** nixpkgs' baseRHELFamilyPackages. */
const BASE_RHEL = ['autoconf', 'automake', 'basesystem', 'bzip2', 'curl', 'diffutils', 'findutils', 'gawk', 'gcc-c++', 'glibc-gconv-extra', 'gzip', 'make', 'patch', 'perl', 'rpm', 'rpm-build', 'tar', 'unzip'];
const COMMON_FEDORA = [...BASE_RHEL, 'annobin-plugin-gcc', 'fedora-release', 'gcc-plugin-annobin', 'pkgconf-pkg-config'];
const COMMON_ROCKY = [...BASE_RHEL, 'gcc-plugin-annobin', 'pkgconf', 'rocky-release'];
const COMMON_ALMA = [...BASE_RHEL, 'almalinux-release', 'gcc-plugin-annobin', 'pkgconf'];
const COMMON_OPENSUSE = ['aaa_base', 'autoconf', 'automake', 'bzip2', 'curl', 'diffutils', 'findutils', 'gawk', 'gcc-c++', 'gzip', 'make', 'patch', 'perl', 'pkg-config', 'rpm', 'tar', 'unzip', 'util-linux', 'gnu-getopt'];

function debian(version: 11 | 12 | 13, codename: string): Distribution {
  return {
    name: `debian-${version}`,
    aliases: [codename],
    title: `Debian ${version} (${codename})`,
    family: 'deb',
    architectures: ['amd64', 'i386'],
    suites: [
      { mirror: 'debian', suite: codename },
      { mirror: 'debian', suite: `${codename}-updates` },
      { mirror: 'debian-security', suite: `${codename}-security` },
    ],
    components: ['main'],
    snapshot: {
      debian: 'https://snapshot.debian.org/archive/debian/{timestamp}',
      'debian-security': 'https://snapshot.debian.org/archive/debian-security/{timestamp}',
    },
    keys: [...DEBIAN_KEYS[version]],
    keyringPath: '/usr/share/keyrings/debian-archive-keyring.gpg',
    keyringPackage: 'debian-archive-keyring',
    packages: COMMON_DEBIAN,
  };
}

function ubuntu(version: string, codename: string, architectures: string[]): Distribution {
  return {
    name: `ubuntu-${version}`,
    aliases: [codename],
    title: `Ubuntu ${version} (${codename})`,
    family: 'deb',
    architectures,
    suites: [
      { mirror: 'ubuntu', suite: codename },
      { mirror: 'ubuntu', suite: `${codename}-updates` },
      { mirror: 'ubuntu-security', suite: `${codename}-security` },
    ],
    components: ['main', 'universe'],
    snapshot: {
      ubuntu: 'https://snapshot.ubuntu.com/ubuntu/{timestamp}',
      'ubuntu-security': 'https://snapshot.ubuntu.com/ubuntu/{timestamp}',
    },
    keys: UBUNTU_KEYS,
    keyringPath: '/usr/share/keyrings/ubuntu-archive-keyring.gpg',
    keyringPackage: 'ubuntu-keyring',
    packages: COMMON_UBUNTU,
  };
}

function fedora(version: 42 | 43, fingerprint: string): Distribution {
  return {
    name: `fedora-${version}`,
    aliases: [],
    title: `Fedora ${version}`,
    family: 'rpm',
    architectures: ['x86_64'],
    repositories: [
      { id: 'fedora', mirror: 'fedora', path: `releases/${version}/Everything/{arch}/os` },
      { id: 'updates', mirror: 'fedora', path: `updates/${version}/Everything/{arch}` },
    ],
    // Fedora keeps no dated snapshots; an end-of-life release moves to the archive.
    snapshot: { fedora: 'https://archives.fedoraproject.org/pub/archive/fedora/linux' },
    keys: [{ fingerprint, uid: `Fedora (${version}) <fedora-${version}-primary@fedoraproject.org>`, source: DGK(`fedora/RPM-GPG-KEY-fedora-${version}-primary`) }],
    keyringPath: `/etc/pki/rpm-gpg/RPM-GPG-KEY-fedora-${version}-primary`,
    keyringPackage: 'fedora-gpg-keys (or distribution-gpg-keys)',
    packages: COMMON_FEDORA,
  };
}

function enterprise(vendor: 'rocky' | 'alma', version: 9 | 10, key: SigningKey): Distribution {
  const mirror = vendor === 'rocky' ? 'rocky' : 'almalinux';
  return {
    name: `${vendor}-${version}`,
    aliases: vendor === 'alma' ? [`almalinux-${version}`] : [`rockylinux-${version}`],
    title: vendor === 'rocky' ? `Rocky Linux ${version}` : `AlmaLinux ${version}`,
    family: 'rpm',
    architectures: ['x86_64'],
    repositories: [
      { id: 'baseos', mirror, path: `${version}/BaseOS/{arch}/os` },
      { id: 'appstream', mirror, path: `${version}/AppStream/{arch}/os` },
    ],
    // Point releases stay in the vault: {version} is e.g. 9.6 (nixpkgs pins these).
    snapshot: vendor === 'rocky' ? { rocky: 'https://dl.rockylinux.org/vault/rocky/{version}' } : { almalinux: 'https://vault.almalinux.org/{version}' },
    keys: [key],
    keyringPath: vendor === 'rocky' ? `/etc/pki/rpm-gpg/RPM-GPG-KEY-Rocky-${version}` : `/etc/pki/rpm-gpg/RPM-GPG-KEY-AlmaLinux-${version}`,
    keyringPackage: vendor === 'rocky' ? 'rocky-gpg-keys (or distribution-gpg-keys)' : 'almalinux-gpg-keys (or distribution-gpg-keys)',
    packages: vendor === 'rocky' ? COMMON_ROCKY : COMMON_ALMA,
  };
}

const OPENSUSE_KEYS: SigningKey[] = [
  { fingerprint: 'AD485664E901B867051AB15F35A2F86E29B700A4', uid: 'openSUSE Project Signing Key <opensuse@opensuse.org>', source: DGK('opensuse/RPM-GPG-KEY-openSUSE-2022') },
  { fingerprint: '7F009157B127B994D5CFBE76F74F09BC3FA1D6CE', uid: 'SUSE Package Signing Key <build@suse.de>', source: DGK('opensuse/RPM-GPG-KEY-openSUSE-Leap-SLE') },
];

function leap(version: '15.6' | '16.0'): Distribution {
  return {
    name: `opensuse-leap-${version}`,
    aliases: [`leap-${version}`],
    title: `openSUSE Leap ${version}`,
    family: 'rpm',
    architectures: ['x86_64'],
    repositories:
      version === '15.6'
        ? [
            { id: 'repo-oss', mirror: 'opensuse', path: 'distribution/leap/15.6/repo/oss' },
            { id: 'repo-update', mirror: 'opensuse', path: 'update/leap/15.6/oss' },
          ]
        : // Leap 16.0 publishes one repository tree per release (updates are folded in); the path follows 15.x's layout.
          [{ id: 'repo-oss', mirror: 'opensuse', path: 'distribution/leap/16.0/repo/oss/{arch}' }],
    keys: OPENSUSE_KEYS,
    keyringPath: '/usr/lib/rpm/gnupg/keys/',
    keyringPackage: 'openSUSE-build-key (or distribution-gpg-keys)',
    packages: COMMON_OPENSUSE,
  };
}

/** Every distribution of the catalog, in listing order. */
export const DISTRIBUTIONS: readonly Distribution[] = [
  debian(11, 'bullseye'),
  debian(12, 'bookworm'),
  debian(13, 'trixie'),
  ubuntu('22.04', 'jammy', ['amd64', 'i386']),
  // noble publishes i386 only as a partial set for 32-bit compatibility libraries; nixpkgs builds amd64 only.
  ubuntu('24.04', 'noble', ['amd64']),
  fedora(42, 'B0F4950458F69E1150C6C5EDC8AC4916105EF944'),
  fedora(43, 'C6E7F081CF80E13146676E88829B606631645531'),
  enterprise('rocky', 9, { fingerprint: '21CB256AE16FC54C6E652949702D426D350D275D', uid: 'Rocky Enterprise Software Foundation - Release key 2022 <releng@rockylinux.org>', source: DGK('rocky/RPM-GPG-KEY-Rocky-9') }),
  enterprise('rocky', 10, { fingerprint: 'FC226859C0860BF0DDB95B085B106C736FEDFC85', uid: 'Release Engineering (Rocky Linux 10) <releng@rockylinux.org>', source: DGK('rocky/RPM-GPG-KEY-Rocky-10') }),
  enterprise('alma', 9, { fingerprint: 'BF18AC2876178908D6E71267D36CB86CB86B3716', uid: 'AlmaLinux OS 9 <packager@almalinux.org>', source: DGK('alma/RPM-GPG-KEY-AlmaLinux-9') }),
  enterprise('alma', 10, { fingerprint: 'EE6DB7B98F5BF5EDD9DA0DE5DEE5C11CC2A1E572', uid: 'AlmaLinux OS 10 <packager@almalinux.org>', source: DGK('alma/RPM-GPG-KEY-AlmaLinux-10') }),
  leap('15.6'),
  leap('16.0'),
];
