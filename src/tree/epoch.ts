/**
 * SOURCE_DATE_EPOCH, read one way everywhere: the environment variable, the
 * `--source-date-epoch` option and the library's numeric options all accept
 * exactly a non-negative whole number of seconds up to MAX_SOURCE_DATE_EPOCH,
 * and anything else is `BAD_SOURCE_DATE_EPOCH` naming where the value came from.
 */
import { DistrokitError } from '../../formats/errors.js';

/**
 * The latest time every output stores: cpio's newc/crc headers hold the mtime as
 * 8 hex digits (unsigned 32-bit), 2106-02-07T06:28:15Z. ext4 with 256-byte inodes
 * would go further (the writer accepts up to 2310), but one bound for all outputs
 * means a value that builds one image builds the others.
 */
export const MAX_SOURCE_DATE_EPOCH = 0xffff_ffff;

/** Where a value came from, for the error message: the variable, an option, or a library field. */
export type EpochOrigin = 'SOURCE_DATE_EPOCH' | '--source-date-epoch' | (string & {});

function bad(origin: EpochOrigin, value: string, why: string): DistrokitError {
  return new DistrokitError('BAD_SOURCE_DATE_EPOCH', `${origin} '${value}' ${why}`, { origin, value });
}

/**
 * Parses the text of SOURCE_DATE_EPOCH or `--source-date-epoch`: ASCII decimal
 * digits only (as `date +%s` prints; no sign, space, fraction, exponent or hex),
 * at most MAX_SOURCE_DATE_EPOCH.
 */
export function parseSourceDateEpoch(text: string, origin: EpochOrigin): number {
  if (!/^[0-9]+$/.test(text)) throw bad(origin, text, 'is not a non-negative decimal integer of seconds');
  // Leading zeros are harmless; strip them so the length check below is about magnitude.
  const digits = text.replace(/^0+(?=\d)/, '');
  if (digits.length > 10 || Number(digits) > MAX_SOURCE_DATE_EPOCH) {
    throw bad(origin, text, `is after ${MAX_SOURCE_DATE_EPOCH} (2106-02-07T06:28:15Z, the latest time cpio stores)`);
  }
  return Number(digits);
}

/** Checks a number given through the library (e.g. `Ext4Options.sourceDateEpoch`) by the same rule. */
export function checkSourceDateEpoch(value: number, origin: EpochOrigin): number {
  if (!Number.isInteger(value) || value < 0) throw bad(origin, String(value), 'is not a non-negative integer of seconds');
  if (value > MAX_SOURCE_DATE_EPOCH) throw bad(origin, String(value), `is after ${MAX_SOURCE_DATE_EPOCH} (2106-02-07T06:28:15Z, the latest time cpio stores)`);
  return value;
}

/**
 * SOURCE_DATE_EPOCH from the environment: undefined when unset or empty (an
 * empty variable is how shells and build systems unset it), otherwise the value
 * by parseSourceDateEpoch's rule — a malformed one is an error, never ignored.
 */
export function sourceDateEpoch(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.SOURCE_DATE_EPOCH;
  if (raw === undefined || raw === '') return undefined;
  return parseSourceDateEpoch(raw, 'SOURCE_DATE_EPOCH');
}
