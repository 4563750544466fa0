/**
 * The script that configures a natively unpacked Debian tree inside the VM:
 * it runs chrooted in the image, with the .debs on a read-only disk at /in,
 * and makes dpkg install them so that every maintainer script runs.
 *
 * Services must not start (debootstrap's and mmdebstrap's trick): a
 * policy-rc.d that forbids it and a start-stop-daemon that does nothing, both
 * removed at the end. Two modes:
 *   - 'fast' (default): one `dpkg --install --force-depends` of every package
 *     in install-group order, as mmdebstrap installs its essential set; dpkg
 *     unpacks them all and then configures them in dependency order. The tree
 *     is already unpacked, so Pre-Depends are on disk before dpkg asks.
 *   - 'seed': one `dpkg --install --force-all` per install group, as the
 *     seed's fillDiskWithDebs, but a failure stops the build.
 * Progress lines go to stdout ("distrokit: …"), dpkg's own output to a log
 * that is printed on failure, with the names dpkg reported as failing.
 */
import { basename } from 'node:path';
import type { ClosureDocument } from '../../deb/output.js';
import { shellQuote } from '../../initrd/stage1.js';

export type InstallMode = 'fast' | 'seed';

/** The prefix of the lines the host reads as progress and results. */
export const MARK = 'distrokit:';

const PREAMBLE = `set -u
export DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true LC_ALL=C.UTF-8 LANGUAGE=C.UTF-8 LANG=C.UTF-8
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mkdir -p /var/lib/dpkg/info /var/lib/dpkg/updates /etc/dpkg/dpkg.cfg.d
# dpkg's output, shown when something fails; next to dpkg's database, which exists in any image.
log=/var/lib/dpkg/distrokit-install.log
: > "$log"
fail() {
  echo "${MARK} failed: $1"
  sed -n 's/^dpkg: error processing \\(archive\\|package\\) \\([^ ]*\\).*/${MARK} failed-package: \\2/p' "$log" | sort -u
  cat "$log" >&2
  rm -f "$log"
  exit 1
}
touch /var/lib/dpkg/status
# No service may start while packages are configured.
printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d
chmod 755 /usr/sbin/policy-rc.d
ssd=
for f in /usr/sbin/start-stop-daemon /sbin/start-stop-daemon; do [ -e "$f" ] && ! [ -L "$f" ] && { ssd=$f; break; }; done
if [ -n "$ssd" ]; then
  mv "$ssd" "$ssd.REAL"
  printf '#!/bin/sh\\necho "Warning: Fake start-stop-daemon called, doing nothing"\\n' > "$ssd"
  chmod 755 "$ssd"
fi
restore() {
  rm -f /usr/sbin/policy-rc.d
  if [ -n "$ssd" ]; then
    # dpkg may have installed a new start-stop-daemon over the fake one: keep the package's.
    if grep -q 'Fake start-stop-daemon' "$ssd" 2>/dev/null; then mv "$ssd.REAL" "$ssd"; else rm -f "$ssd.REAL"; fi
  fi
}
`;

/**
 * mmdebstrap's cleanup: logs and caches that record when and how the build
 * ran (timestamps, inode numbers, a random machine id) are removed, /run is
 * emptied except /run/lock, and /tmp is emptied.
 */
const CLEANUP = `rm -f /var/log/dpkg.log /var/log/alternatives.log /var/log/apt/history.log /var/log/apt/term.log /var/log/apt/eipp.log.xz \\
  /var/cache/ldconfig/aux-cache /var/lib/dbus/machine-id
if [ -e /etc/machine-id ]; then : > /etc/machine-id; fi
for f in /run/* /run/.[!.]* /tmp/* /tmp/.[!.]*; do
  [ -e "$f" ] || [ -L "$f" ] || continue
  [ "$f" = /run/lock ] || rm -rf "$f"
done`;

function debPath(location: string): string {
  return shellQuote(`/in/${basename(location)}`);
}

/** The guest script for `doc` (its packages are on /in under their pool file names). */
export function installScript(doc: ClosureDocument, mode: InstallMode, postInstall?: string, sourceDateEpoch?: number): string {
  const lines = [PREAMBLE];
  // shadow's last-change day and other dates the scripts write follow it, as under mmdebstrap.
  if (sourceDateEpoch !== undefined) lines.push(`export SOURCE_DATE_EPOCH=${sourceDateEpoch}`);
  const byGroup = doc.groups.map(() => [] as string[]);
  for (const p of doc.packages) byGroup[p.group]!.push(debPath(p.location!));
  const total = byGroup.length;
  if (mode === 'seed') {
    byGroup.forEach((debs, i) => {
      lines.push(`echo "${MARK} group ${i + 1}/${total}"`);
      lines.push(`dpkg --install --force-all --force-unsafe-io ${debs.join(' ')} </dev/null >>"$log" 2>&1 || { restore; fail "dpkg --install of group ${i + 1}"; }`);
    });
  } else {
    // dpkg's status lines ("status: NAME: unpacked") are the progress; the host maps them to groups.
    lines.push(`echo "${MARK} dpkg --install of ${doc.packages.length} packages"`);
    lines.push(
      `{ dpkg --install --force-depends --force-unsafe-io --status-fd 3 ${byGroup.flat().join(' ')} 3>&1 </dev/null >>"$log" 2>&1; echo $? > "$log.status"; }` +
        ` | sed -un 's/^status: \\(.*\\): \\(unpacked\\|installed\\)$/${MARK} \\2 \\1/p'`,
    );
    lines.push('status=$(cat "$log.status"); rm -f "$log.status"');
    lines.push('[ "$status" = 0 ] || { restore; fail "dpkg --install exited with $status"; }');
  }
  lines.push('dpkg --configure --pending --force-unsafe-io </dev/null >>"$log" 2>&1 || { restore; fail "dpkg --configure --pending"; }');
  lines.push('restore');
  lines.push('audit=$(dpkg --audit 2>&1)');
  lines.push(`[ -z "$audit" ] || { echo "$audit" >> "$log"; fail "dpkg --audit reports unfinished packages"; }`);
  lines.push('rm -f "$log"');
  if (postInstall !== undefined) {
    lines.push(`echo "${MARK} post-install"`);
    lines.push(`/bin/sh -c ${shellQuote(postInstall)} </dev/null || { echo "${MARK} failed: post-install command exited with $?"; exit 1; }`);
  }
  lines.push(CLEANUP);
  lines.push(`echo "${MARK} done"`);
  return `${lines.join('\n')}\n`;
}
