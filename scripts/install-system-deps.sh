#!/usr/bin/env bash
# Installs the Debian packages listed in scripts/system-packages.txt that are
# not installed yet. Runs apt-get update first when a package is missing (or
# when the bookworm-updates/security lists are absent, which fixtures need).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mapfile -t wanted < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$here/system-packages.txt" | grep -v '^$' | sort -u)
missing=()
for p in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then missing+=("$p"); fi
done
sudo_cmd=()
if [ "$(id -u)" != 0 ]; then sudo_cmd=(sudo); fi
lists=(/var/lib/apt/lists/*bookworm-updates*_Packages* /var/lib/apt/lists/*bookworm-security*_Packages*)
if [ "${#missing[@]}" -gt 0 ] || [ ! -e "${lists[0]}" ] || [ ! -e "${lists[1]}" ]; then
  echo "install-system-deps: apt-get update" >&2
  "${sudo_cmd[@]}" apt-get update -qq >&2
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-system-deps: installing ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
