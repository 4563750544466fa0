/** `--source-date-epoch N`, parsed by the one rule of src/tree/epoch.ts; a bad value is a usage error (exit 2). */
import { parseSourceDateEpoch } from '../tree/epoch.js';
import { UsageError } from './common.js';

export function sourceDateEpochOption(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  try {
    return parseSourceDateEpoch(text, '--source-date-epoch');
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
