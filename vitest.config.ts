import { defineConfig } from 'vitest/config';

/**
 * Two tiers, chosen by file name:
 * - unit (`*.unit.test.ts`, `npm test`): committed fixtures only; no root, no
 *   network, no ~/.cache/distrokit, no tool but node. Runs offline in seconds.
 * - oracle (every other `*.test.ts`, `npm run test:oracle`): compares with the
 *   real reference tools (dpkg, apt, rpm, libsolv, e2fsck, cpio, QEMU …) on
 *   real data that test/global-setup.ts caches in ~/.cache/distrokit first;
 *   needs root and, on the first run, the network.
 * A new test file lands in the oracle tier unless it is named for the unit
 * tier, so a test that needs a tool can never break the offline tier unseen.
 */
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 600_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.unit.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'oracle',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.unit.test.ts'],
          globalSetup: ['test/global-setup.ts'],
        },
      },
    ],
  },
});
