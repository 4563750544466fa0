/** `distrokit fetch index` and `fetch repodata`: signed repository indexes, verified, into a directory. */
import { fetchDebianIndexes } from '../fetch/debian-index.js';
import { debianSources, readKeyrings } from '../fetch/debian-sources.js';
import { fetchRpmRepodata, rpmRepositories } from '../fetch/rpm-index.js';
import { EXIT_OK, Progress, UsageError, writeStdout } from './common.js';
import { command } from './dispatch.js';
import { debArch, dir, file, integer, url, word } from './options.js';

export const NETWORK_OPTIONS = {
  retries: { value: integer(0, 20), default: '3', help: 'retries of a transient failure (0-20, default 3)' },
  timeout: { value: integer(1, 3600, 'SECONDS'), default: '30', help: 'seconds without data before an attempt fails (1-3600, default 30)' },
} as const;

const index = command({
  name: 'index',
  summary: "fetch a Debian suite's signed InRelease and Packages indexes, verified",
  usage: '(--dist NAME | --mirror URL --suite S…) [--component C…] [--arch A…] [--keyring FILE…] --out DIR',
  description: `index fetches dists/SUITE/InRelease (or Release + Release.gpg when a mirror
has no InRelease), verifies its OpenPGP signature against the keyring, and
for every component and architecture fetches the Packages index in the best
compression the Release lists (xz, zst, gz, bz2, lz4, plain), by hash when
the Release says Acquire-By-Hash: yes. An index must match the Release's
SHA256 and size — of the file as fetched, or, for a mirror that re-compressed
it, of its decompressed content against the Release's entry for the plain
Packages. Only verified files are written to DIR, as
DIR/MIRROR/dists/SUITE/… (MIRROR: the URL without scheme, '/' as '_'); a
suite whose InRelease is unchanged since the last run is not fetched again.
A Release past its Valid-Until, or dated more than 10 s ahead of the clock
(apt's 'not valid yet'), is refused unless --allow-expired.
--dist NAME takes the suites, mirrors, components and signing keys from the
catalog ('distrokit catalog list'); --mirror then replaces the mirror of its
first suite, and DISTROKIT_MIRROR_<name> any mirror. --mirror URL alone
needs --suite. The default keyring is the distribution's (only the keys the
catalog names for it are trusted), or Debian's archive keyring for a bare
--mirror. The output lists each index with the URL its packages are under:
the --index and --url-prefix of 'deb closure'.`,
  options: {
    dist: { value: word('NAME'), help: "a catalog distribution (debian-12, bookworm, ubuntu-24.04 …)" },
    mirror: { value: url, help: 'mirror base URL (http, https or file), e.g. http://deb.debian.org/debian' },
    suite: { value: word('SUITE'), multiple: true, help: 'suite or codename (bookworm, bookworm-updates); repeatable' },
    component: { value: word('COMPONENT'), multiple: true, help: "component (default: the distribution's, or main); repeatable" },
    arch: { value: debArch, multiple: true, help: 'architecture (default amd64); repeatable' },
    keyring: { value: file, multiple: true, help: 'OpenPGP keyring (binary .gpg or armoured .asc); repeatable' },
    'allow-expired': { help: 'accept a Release past its Valid-Until or dated ahead of the clock' },
    out: { value: dir, help: 'the directory the verified files go to' },
    ...NETWORK_OPTIONS,
    quiet: { help: 'no progress on stderr' },
  },
  positionals: { min: 0, max: 0 },
  examples: [
    'distrokit fetch index --dist debian-12 --out ./indexes',
    'distrokit fetch index --mirror http://deb.debian.org/debian --suite bookworm --suite bookworm-updates \\\n      --component main --component contrib --arch amd64 --arch i386 --out ./indexes --json',
    'distrokit fetch index --dist debian-12 --mirror http://127.0.0.1:8080/debian --keyring ./archive-key.asc --out ./indexes',
    "distrokit fetch index --dist bookworm --out idx --json | jq -r '.indexes[] | \"--index \\(.path) --url-prefix \\(.urlPrefix)\"'",
  ],
  async run({ values, format }) {
    if (!values.out) throw new UsageError('fetch index needs --out DIR');
    if (values.dist === undefined && values.mirror === undefined) throw new UsageError('fetch index needs --dist NAME or --mirror URL');
    if (values.dist === undefined && values.suite.length === 0) throw new UsageError('fetch index --mirror URL needs --suite SUITE');
    const json = format === 'json';
    const progress = new Progress({ quiet: values.quiet, json });
    const { sources, keyring } = await debianSources({
      dist: values.dist,
      mirror: values.mirror,
      suites: values.suite,
      components: values.component,
      architectures: values.arch,
      keyrings: values.keyring,
    });
    const suites = await fetchDebianIndexes(sources, {
      keyring,
      out: values.out,
      allowExpired: values['allow-expired'],
      retries: values.retries,
      timeoutMs: values.timeout * 1000,
      onProgress: (m) => progress.update(m, true),
    });
    progress.done();
    const indexes = suites.flatMap((s) => s.indexes);
    if (json) {
      await writeStdout(`${JSON.stringify({ suites, indexes: indexes.map((i) => ({ path: i.path, urlPrefix: i.urlPrefix })) }, null, 2)}\n`);
    } else {
      for (const s of suites) {
        if (!values.quiet)
          process.stderr.write(`distrokit: ${s.mirror} ${s.suite}: ${s.refreshed ? 'fetched' : 'unchanged'}, signed by ${s.signers.join(', ')}\n`);
      }
      await writeStdout(indexes.map((i) => `${i.path} ${i.urlPrefix}\n`).join(''));
    }
    return EXIT_OK;
  },
});

const repodata = command({
  name: 'repodata',
  summary: "fetch an RPM repository's repomd.xml, primary and filelists, verified",
  usage: '(--mirror URL | --dist NAME [--arch A]) [--keyring FILE…] [--require-signature] [--type T…] --out DIR',
  description: `repodata fetches URL/repodata/repomd.xml and the files it names (--type,
default primary and filelists), each checked against repomd.xml's
<checksum> and <size> as fetched and its <open-checksum> and <open-size>
decompressed. With --keyring, repomd.xml.asc is verified when the
repository has one; --require-signature refuses a repository without one.
Only verified files are written, as DIR/MIRROR/repodata/… (MIRROR: the URL
without scheme, '/' as '_'), a repository directory 'rpm closure --repo'
reads; an unchanged repomd.xml is not fetched again.
--dist NAME fetches every repository the catalog lists for an RPM
distribution (fedora-43: fedora and updates) for --arch (default its first);
--mirror then replaces their mirror, and DISTROKIT_MIRROR_<name> works as for
'fetch index'.`,
  options: {
    mirror: { value: url, help: 'repository base URL (repodata/ under it); with --dist, the mirror its repositories are on' },
    dist: { value: word('NAME'), help: 'a catalog RPM distribution (fedora-43, rocky-9, opensuse-leap-15.6 …)' },
    arch: { value: word('ARCH'), help: "with --dist: the architecture (default the distribution's first)" },
    keyring: { value: file, multiple: true, help: 'OpenPGP keyring for repomd.xml.asc (binary or armoured); repeatable' },
    'require-signature': { help: 'refuse a repository without repomd.xml.asc (needs --keyring)' },
    type: { value: word('TYPE'), multiple: true, help: 'a <data> type to fetch (default primary and filelists); repeatable' },
    out: { value: dir, help: 'the directory the verified files go to' },
    ...NETWORK_OPTIONS,
    quiet: { help: 'no progress on stderr' },
  },
  positionals: { min: 0, max: 0 },
  examples: [
    'distrokit fetch repodata --mirror https://dl.fedoraproject.org/pub/fedora/linux/releases/43/Everything/x86_64/os \\\n      --keyring RPM-GPG-KEY-fedora-43-primary --out ./repos',
    'distrokit fetch repodata --mirror http://127.0.0.1:8080/repo --keyring key.asc --require-signature --type primary --out ./repos --json',
    'distrokit fetch repodata --dist fedora-43 --out ./repos',
  ],
  async run({ values, format }) {
    if (!values.out) throw new UsageError('fetch repodata needs --out DIR');
    if (values.mirror === undefined && values.dist === undefined) throw new UsageError('fetch repodata needs --mirror URL or --dist NAME');
    if (values.arch !== undefined && values.dist === undefined) throw new UsageError('--arch needs --dist');
    if (values['require-signature'] && values.keyring.length === 0) throw new UsageError('--require-signature needs --keyring FILE');
    const json = format === 'json';
    const progress = new Progress({ quiet: values.quiet, json });
    const keyring = values.keyring.length > 0 ? await readKeyrings(values.keyring) : undefined;
    const repos = values.dist !== undefined ? rpmRepositories(values.dist, { arch: values.arch, mirror: values.mirror }) : [{ id: 'repo', url: values.mirror! }];
    const results = [];
    for (const repo of repos) {
      results.push(
        await fetchRpmRepodata(repo.url, {
          out: values.out,
          keyring,
          requireSignature: values['require-signature'],
          types: values.type.length > 0 ? values.type : undefined,
          retries: values.retries,
          timeoutMs: values.timeout * 1000,
          onProgress: (m) => progress.update(m, true),
        }),
      );
    }
    progress.done();
    if (json) await writeStdout(`${JSON.stringify(values.dist !== undefined ? { repositories: results.map((r, i) => ({ id: repos[i]!.id, ...r })) } : results[0], null, 2)}\n`);
    else {
      for (const got of results)
        if (!values.quiet)
          process.stderr.write(`distrokit: ${got.url}: ${got.refreshed ? 'fetched' : 'unchanged'}, ${got.signed ? `signed by ${got.signers.join(', ')}` : 'not signed'}\n`);
      await writeStdout(results.map((r) => `${r.dir}\n`).join(''));
    }
    return EXIT_OK;
  },
});

export const commands = [index, repodata];
