/** `distrokit catalog list|show`: the distributions distrokit knows (src/fetch/catalog-data.ts). */
import { type Distribution, listDistributions, lookupDistribution, mirrorUrl } from '../fetch/catalog.js';
import { EXIT_OK, writeStdout } from './common.js';
import { command, invoke } from './dispatch.js';

const list = command({
  name: 'list',
  summary: 'list the distributions of the catalog',
  usage: '[--json]',
  description: `list prints one line per distribution: its catalog name, family (deb or
rpm), architectures and title. --json prints the whole catalog (the entries
'catalog show' gives), in the same order.`,
  options: {},
  positionals: { min: 0, max: 0 },
  examples: ['distrokit catalog list', 'distrokit catalog list --json'],
  run: async ({ format }) => {
    const all = listDistributions();
    if (format === 'json') await writeStdout(`${JSON.stringify({ distributions: all.map(describe) })}\n`);
    else {
      const width = Math.max(...all.map((d) => d.name.length));
      await writeStdout(all.map((d) => `${d.name.padEnd(width)}  ${d.family}  ${d.architectures.join(',').padEnd(10)}  ${d.title}`).join('\n') + '\n');
    }
    return EXIT_OK;
  },
});

const show = command({
  name: 'show',
  summary: 'show one distribution: mirrors, suites or repositories, keys, common packages',
  usage: 'NAME [--json]',
  description: `show prints what the catalog knows of NAME (a catalog name such as
debian-12, or a codename such as bookworm): its mirrors (after any
DISTROKIT_MIRROR_<NAME> override), snapshot URL templates, suites and
components (deb) or repositories (rpm), architectures, the full
fingerprints of the keys that sign its indexes and where they were taken
from, the keyring path, and its common package set. An unknown NAME is
DIST_UNKNOWN, naming the closest catalog names.`,
  options: {},
  positionals: { min: 1, max: 1 },
  examples: ['distrokit catalog show debian-12', 'distrokit catalog show bookworm --json', 'distrokit catalog show fedora-43'],
  run: async ({ positionals, format }) => {
    const d = lookupDistribution(positionals[0]!);
    const doc = describe(d);
    if (format === 'json') await writeStdout(`${JSON.stringify(doc)}\n`);
    else await writeStdout(showText(doc));
    return EXIT_OK;
  },
});

/** The catalog entry with its mirrors resolved (overrides applied). */
function describe(d: Distribution): Distribution & { mirrors: Record<string, string> } {
  const names = new Set([...(d.suites ?? []).map((s) => s.mirror), ...(d.repositories ?? []).map((r) => r.mirror)]);
  return { ...d, mirrors: Object.fromEntries([...names].map((n) => [n, mirrorUrl(n)])) };
}

function showText(d: ReturnType<typeof describe>): string {
  const lines = [`${d.name}: ${d.title} (${d.family})`];
  if (d.aliases.length) lines.push(`aliases: ${d.aliases.join(', ')}`);
  lines.push(`architectures: ${d.architectures.join(', ')}`);
  for (const [name, url] of Object.entries(d.mirrors)) lines.push(`mirror ${name}: ${url}`);
  for (const [name, url] of Object.entries(d.snapshot ?? {})) lines.push(`snapshot ${name}: ${url}`);
  for (const s of d.suites ?? []) lines.push(`suite: ${s.suite} (mirror://${s.mirror}/dists/${s.suite})`);
  if (d.components) lines.push(`components: ${d.components.join(' ')}`);
  for (const r of d.repositories ?? []) lines.push(`repository ${r.id}: mirror://${r.mirror}/${r.path}`);
  for (const k of d.keys) lines.push(`key: ${k.fingerprint} ${k.uid}`, `  from ${k.source}`);
  lines.push(`keyring: ${d.keyringPath} (${d.keyringPackage})`);
  lines.push(`packages: ${d.packages.join(' ')}`);
  return lines.join('\n') + '\n';
}

export const commands = [list, show];

/** In-process entry (tests): errors are thrown, not printed. */
export const run = (args: string[]): Promise<number> => invoke('catalog', commands, args);
