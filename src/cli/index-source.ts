/**
 * The options that name verified indexes by distribution or mirror instead of
 * local files (--dist, --mirror, --suite, --keyring, --allow-expired), shared
 * by `deb closure` and `image debian`.
 */
import { cachedDebianIndexes } from '../fetch/debian-sources.js';
import { Progress, UsageError } from './common.js';
import { file, url, word } from './options.js';

export const INDEX_SOURCE_OPTIONS = {
  dist: { value: word('NAME'), help: "read verified indexes of a catalog distribution (debian-12, bookworm …),\nfetched into the cache when its InRelease changed" },
  mirror: { value: url, help: "with --dist: the mirror of its first suite; alone: the mirror of --suite" },
  suite: { value: word('SUITE'), multiple: true, help: 'with --mirror: the suites to read; with --dist: only these of its suites' },
  keyring: { value: file, multiple: true, help: "OpenPGP keyring the indexes' InRelease must verify against (default: the\ndistribution's keys, or Debian's archive keyring); repeatable" },
  'allow-expired': { help: 'accept a Release past its Valid-Until or dated ahead of the clock' },
} as const;

interface SourceValues {
  dist?: string;
  mirror?: string;
  suite: string[];
  keyring: string[];
  'allow-expired': boolean;
  quiet?: boolean;
}

/**
 * The verified indexes the options name, or undefined when they name none
 * (--index files are used instead). `localIndexes`: whether --index or
 * --url-prefix were given, which exclude --dist/--mirror.
 */
export async function indexesFromSource(
  values: SourceValues,
  localIndexes: boolean,
  architectures: string[],
  json: boolean,
): Promise<{ path: string; urlPrefix: string }[] | undefined> {
  if (values.dist === undefined && values.mirror === undefined) {
    if (values.suite.length || values.keyring.length || values['allow-expired']) throw new UsageError('--suite, --keyring and --allow-expired need --dist or --mirror');
    return undefined;
  }
  if (localIndexes) throw new UsageError('--index/--url-prefix and --dist/--mirror exclude each other');
  if (values.dist === undefined && values.suite.length === 0) throw new UsageError('--mirror URL needs --suite SUITE (or --dist NAME)');
  const progress = new Progress({ quiet: values.quiet, json });
  try {
    const { indexes } = await cachedDebianIndexes(
      { dist: values.dist, mirror: values.mirror, suites: values.suite, keyrings: values.keyring, architectures },
      { allowExpired: values['allow-expired'], onProgress: (m) => progress.update(m, true) },
    );
    return indexes;
  } finally {
    progress.done();
  }
}
