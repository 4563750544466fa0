/**
 * The version distrokit reports: read at run time from the package's own
 * package.json, found by walking up from this module. The walk works from the
 * TypeScript sources (src/cli/), from a checkout's build (dist/src/cli/) and
 * from an installed package (node_modules/distrokit/dist/src/cli/) alike.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'distrokit' && typeof pkg.version === 'string') return pkg.version;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json of distrokit above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}
