/** Paths of the real-data fixtures cached outside git by fixtures/gen/*.sh. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export const CACHE_DIR = process.env.DISTROKIT_CACHE ?? join(homedir(), '.cache', 'distrokit');

export const debianCache = {
  dir: join(CACHE_DIR, 'debian'),
  main: join(CACHE_DIR, 'debian', 'main_Packages'),
  mainGz: join(CACHE_DIR, 'debian', 'main_Packages.gz'),
  mainXz: join(CACHE_DIR, 'debian', 'main_Packages.xz'),
  updates: join(CACHE_DIR, 'debian', 'updates_Packages'),
  security: join(CACHE_DIR, 'debian', 'security_Packages'),
  lists: join(CACHE_DIR, 'debian', 'lists'),
  sourcesList: join(CACHE_DIR, 'debian', 'sources.list'),
};

/** Real Debian kernel and busybox packages unpacked by fixtures/gen/initrd-packages.sh. */
export const initrdCache = {
  dir: join(CACHE_DIR, 'initrd'),
  cloudRoot: join(CACHE_DIR, 'initrd', 'cloud'),
  fullRoot: join(CACHE_DIR, 'initrd', 'full'),
  busyboxRoot: join(CACHE_DIR, 'initrd', 'busybox'),
};

/** The real .debs of the common Debian closure, cached by fixtures/gen/debian-debs.sh. */
export const debsCache = {
  dir: join(CACHE_DIR, 'debs'),
  pool: join(CACHE_DIR, 'debs', 'pool'),
  repacked: join(CACHE_DIR, 'debs', 'repacked'),
};

/** RPMs built with rpmbuild (gzip/xz/zstd payloads) and converted by alien, cached by fixtures/gen/rpms.sh. */
export const rpmsCache = {
  built: join(CACHE_DIR, 'rpms', 'built'),
  alien: join(CACHE_DIR, 'rpms', 'alien'),
};
