/** Where the fuzzer finds the repository, whether it runs from source (vitest) or from dist/. */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

export const REPO = /[/\\]dist[/\\]scripts[/\\]fuzz[/\\]?$/.test(here) ? resolve(here, '../../..') : resolve(here, '../..');
export const BIN = resolve(REPO, 'bin/distrokit');
export const FIXTURES = resolve(REPO, 'fixtures');
