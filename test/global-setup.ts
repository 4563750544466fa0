/**
 * The oracle tier's setup (vitest.config.ts): prepares cached real-data
 * fixtures before its tests run, so that `npm run test:oracle` works as well
 * as scripts/test-all.sh. Generators are idempotent and return at once when
 * their cache is complete. It also builds dist/ once, for the tests that run
 * bin/distrokit, which would otherwise compile in several test files at once.
 */
import { execFileSync } from 'node:child_process';
import { buildTestRepo } from './helpers/rpm-test-repo.js';

export default function setup(): void {
  execFileSync('bin/distrokit', ['--version'], { stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('bash', ['fixtures/gen/debian-indexes.sh'], { stdio: 'inherit' });
  execFileSync('bash', ['fixtures/gen/initrd-packages.sh'], { stdio: 'inherit' });
  // RPM repositories: rpmbuild + createrepo_c, cached by content hash.
  buildTestRepo();
  // package archives: the real .debs of the common Debian closure
  execFileSync('bash', ['fixtures/gen/debian-debs.sh'], { stdio: 'inherit' });
  execFileSync('bash', ['fixtures/gen/rpms.sh'], { stdio: 'inherit' });
}
