/**
 * The mmdebstrap oracle checked against what docs/image-debian-oracle.md says
 * about it: it installs exactly apt's choice for the list, from the warm
 * cache; its custom variant does not add the Essential set; and the only
 * differences between its tree and a plain `chroot DIR dpkg --install` of the
 * same .debs (dpkg-deb -x first, as mmdebstrap extracts) are the files listed
 * in MMDEBSTRAP_OWN_FILES and MMDEBSTRAP_REMOVED_FILES — each of which does
 * occur. Needs root, mmdebstrap and the .debs of fixtures/gen/debian-common-debs.sh.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aptSimulateInstall } from './apt.js';
import { CACHE_DIR } from './cache.js';
import {
  BOOKWORM_MIRRORS, essentialAndRequired, MACHINE_APT_LISTS, MMDEBSTRAP_IGNORE_GLOBS, MMDEBSTRAP_OWN_FILES, MMDEBSTRAP_REMOVED_FILES,
  mmdebstrapTree, runMmdebstrap, type MmdebstrapTree,
} from './mmdebstrap.js';
import { diffManifests, globToRegExp, manifestDifferences, treeManifest } from './tree-manifest.js';

const COMMON_DEBS = join(CACHE_DIR, 'debs', 'common');
const BASE_FIVE = ['base-files', 'base-passwd', 'bash', 'coreutils', 'dpkg'];
const SOURCE_DATE_EPOCH = 1700000000;

let scratch: string;
let packages: string[];
let tree: MmdebstrapTree;

beforeAll(async () => {
  execFileSync('bash', ['fixtures/gen/debian-common-debs.sh'], { stdio: 'inherit' });
  scratch = mkdtempSync(join(tmpdir(), 'distrokit-mmdebstrap-test-'));
  packages = [...new Set([...BASE_FIVE, ...essentialAndRequired()])];
  tree = await mmdebstrapTree({ packages, debsDirs: [COMMON_DEBS], sourceDateEpoch: SOURCE_DATE_EPOCH });
}, 900_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('mmdebstrap --variant=custom as the oracle', () => {
  it('installs what apt-get -s installs for the same list on the same lists, without downloading', async () => {
    const sources = join(scratch, 'sources.list');
    writeFileSync(sources, `${BOOKWORM_MIRRORS.join('\n')}\n`);
    const apt = await aptSimulateInstall(packages, { lists: MACHINE_APT_LISTS, sourcesList: sources });
    if (!apt.ok) throw new Error(apt.message);
    expect([...tree.installed.keys()].sort()).toEqual(apt.installs);
    const aptVersions = new Map(apt.instLines.map((l) => [l.split(' ')[1]!, l.split(' ')[2]!.replace(/[()]/g, '')]));
    for (const [name, version] of tree.installed) expect(version, name).toBe(aptVersions.get(name));
    expect(tree.log).toMatch(/^Need to get 0 B\//m);
    expect(tree.log).not.toMatch(/^Get:\d+ /m);
  });

  it('comes from the cache the second time', async () => {
    const again = await mmdebstrapTree({ packages: [...packages].reverse(), debsDirs: [COMMON_DEBS], sourceDateEpoch: SOURCE_DATE_EPOCH });
    expect(again.cached).toBe(true);
    expect(again.root).toBe(tree.root);
  });

  it('does not add the Essential set by itself: the five packages alone cannot be configured', async () => {
    await expect(runMmdebstrap({ packages: BASE_FIVE, debsDirs: [COMMON_DEBS] }, join(scratch, 'five'))).rejects.toThrow(/'sh' not found in PATH/);
  });

  it('differs from a plain chroot dpkg --install of the same .debs by exactly its own and its removed files', () => {
    const replica = join(scratch, 'replica');
    // apt's unpack order as mmdebstrap passed it to dpkg (its log shows apt's dpkg calls).
    const order = [...tree.log.matchAll(/--unpack --auto-deconfigure (.*)$/gm)].flatMap((m) => m[1]!.trim().split(' ').map((p) => p.slice(p.lastIndexOf('/') + 1)));
    expect(order.length).toBe(tree.installed.size);
    writeFileSync(join(scratch, 'order'), `${order.join('\n')}\n`);
    const log = join(scratch, 'replica.log');
    try {
      execFileSync('bash', ['-euc', `${REPLICA}`, 'sh', replica, COMMON_DEBS, join(scratch, 'order'), String(SOURCE_DATE_EPOCH), log], { stdio: 'ignore', timeout: 900_000 });
    } catch (err) {
      throw new Error(`replica install failed: ${String(err)}\n${readFileSync(log, 'utf8').split('\n').slice(-30).join('\n')}`);
    }
    const ours = treeManifest(replica);
    const theirs = treeManifest(tree.root);
    expect(diffManifests(ours, theirs, { ignore: MMDEBSTRAP_IGNORE_GLOBS, labels: ['chroot dpkg', 'mmdebstrap'] })).toEqual([]);
    // Every entry of the lists explains a real difference (none is stale), except the logs of apt runs and the machine-id this set never makes.
    const all = manifestDifferences(ours, theirs).map((d) => d.path);
    const unexplained = [...MMDEBSTRAP_OWN_FILES, ...MMDEBSTRAP_REMOVED_FILES]
      .filter((e) => !/apt\/|eipp|machine-id/.test(e.glob))
      .filter((e) => !all.some((p) => globToRegExp(e.glob).test(p)));
    expect(unexplained).toEqual([]);
  }, 900_000);
});

/**
 * dpkg-deb -x of every .deb into an empty directory (mmdebstrap's extract
 * step), then one chrooted dpkg --install --force-depends of all of them in
 * apt's order with mmdebstrap's environment (its essential step), with /dev,
 * /proc and /sys mounted as mmdebstrap mounts them.
 */
const REPLICA = `
d=$1; debs=$2; order=$3; export SOURCE_DATE_EPOCH=$4; exec > "$5" 2>&1
mkdir -p "$d"; chmod 755 "$d"
while read -r f; do dpkg-deb -x "$debs/$f" "$d"; done < "$order"
mkdir -p "$d/var/cache/apt/archives"
while read -r f; do cp "$debs/$f" "$d/var/cache/apt/archives/$f"; done < "$order"
cleanup() { for m in sys proc dev; do mountpoint -q "$d/$m" && umount "$d/$m"; done; }
trap cleanup EXIT
mount --bind /dev "$d/dev"; mount -t proc proc "$d/proc"; mount -t sysfs sys "$d/sys"
args=(); while read -r f; do args+=("/var/cache/apt/archives/$f"); done < "$order"
env -i DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true LC_ALL=C.UTF-8 LANGUAGE=C.UTF-8 LANG=C.UTF-8 \\
  SOURCE_DATE_EPOCH="$SOURCE_DATE_EPOCH" PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
  chroot "$d" dpkg --install --force-depends "\${args[@]}"
rm -f "$d"/var/cache/apt/archives/*.deb
`;
