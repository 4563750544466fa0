/** The real bookworm main + updates + security repository, loaded once per test file. */
import { DebRepository } from '../../src/deb/repository.js';
import { debianCache } from './cache.js';

let repo: Promise<DebRepository> | undefined;

export function bookworm(): Promise<DebRepository> {
  repo ??= DebRepository.fromIndexes([{ path: debianCache.main }, { path: debianCache.updates }, { path: debianCache.security }]);
  return repo;
}

/** nixpkgs' commonDebianPackages with today's names (sysvinit → sysvinit-core, diff → diffutils). */
export const COMMON_DEBIAN_PACKAGES = [
  'base-passwd', 'dpkg', 'libc6-dev', 'perl', 'sysvinit-core', 'bash', 'gzip', 'bzip2', 'tar', 'grep', 'findutils', 'g++', 'make', 'curl', 'patch', 'diffutils',
];
