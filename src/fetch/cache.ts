/** distrokit's cache directory: $DISTROKIT_CACHE, or ~/.cache/distrokit; `parts` name a place in it. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function cacheDir(...parts: string[]): string {
  return join(process.env.DISTROKIT_CACHE ?? join(homedir(), '.cache', 'distrokit'), ...parts);
}
