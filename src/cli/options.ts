/**
 * Option declarations and their parsing (node:util parseArgs underneath).
 * Every value is validated here, at the CLI boundary: a malformed value is a
 * usage error (exit 2) naming the option, never a library error or a crash.
 * Whether an input file exists is not checked here: the library reports a
 * missing file with its own code (exit 1).
 */
import { parseArgs } from 'node:util';
import { checkNativeArch } from '../../formats/deb822/arch.js';
import { parseSourceDateEpoch } from '../tree/epoch.js';
import { UsageError } from './common.js';

/** How an option's text becomes a value; `parse` throws UsageError on a malformed one. */
export interface ValueKind<T = unknown> {
  /** Placeholder shown in help: FILE, N, BYTES … */
  placeholder: string;
  parse(text: string, option: string): T;
}

export interface OptionSpec {
  /** Absent for a flag (a boolean option). */
  value?: ValueKind;
  /** Repeatable: the values come as an array, in command-line order. */
  multiple?: boolean;
  short?: string;
  /** Text parsed when the option is absent. */
  default?: string;
  /** A synonym of another (flag) option of the same command, e.g. --weak for --recommends. */
  aliasOf?: string;
  /** One line for the help; an alias without help is not listed. */
  help?: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

type ValueOf<S> = S extends { value: ValueKind<infer T> }
  ? S extends { multiple: true }
    ? T[]
    : S extends { default: string }
      ? T
      : T | undefined
  : boolean;

export type OptionValues<O> = { -readonly [K in keyof O]: ValueOf<O[K]> };

/** The output formats a command offers: `--format F` (when more than text and json) and always `--json`. */
export interface OutputSpec {
  formats: readonly string[];
  default: string;
}

/** Output of commands that only have `--json`. */
export const TEXT_OR_JSON: OutputSpec = { formats: ['text', 'json'], default: 'text' };

export interface ParsedArgs<O extends OptionSpecs> {
  values: OptionValues<O>;
  positionals: string[];
  /** The output format the options chose ('json' under --json). */
  format: string;
  help: boolean;
}

/** Whether the command takes `--format` (besides `--json`). */
export function hasFormatOption(output: OutputSpec): boolean {
  return output.formats.some((f) => f !== 'text' && f !== 'json');
}

/**
 * The parseArgs configuration: the declared options plus --help/-h, --json and
 * (when there are formats besides text and json) --format; a command without
 * such formats may declare a --format of its own (initrd build: the cpio flavour).
 */
function parseArgsOptions(options: OptionSpecs, output: OutputSpec) {
  const config: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const [name, spec] of Object.entries(options)) {
    config[name] = { type: spec.value ? 'string' : 'boolean', ...(spec.multiple ? { multiple: true } : {}), ...(spec.short ? { short: spec.short } : {}) };
  }
  config.help = { type: 'boolean', short: 'h' };
  config.json = { type: 'boolean' };
  if (hasFormatOption(output)) config.format = { type: 'string' };
  return config;
}

function chooseFormat(output: OutputSpec, json: unknown, format: unknown): string {
  if (json === true) {
    if (typeof format === 'string' && format !== 'json') throw new UsageError(`--json and --format ${format} exclude each other`);
    return 'json';
  }
  if (format === undefined) return output.default;
  if (typeof format !== 'string' || !output.formats.includes(format)) throw new UsageError(`--format must be one of ${output.formats.join(', ')}, not '${String(format)}'`);
  return format;
}

/** Parses `args` against the declarations; every parse or validation failure is a UsageError. */
export function parseOptions<O extends OptionSpecs>(args: string[], options: O, output: OutputSpec): ParsedArgs<O> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: parseArgsOptions(options, output), allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const raw = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const help = raw.help === true;
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(options)) {
    const text = raw[name];
    if (!spec.value) values[name] = text === true;
    else if (spec.multiple) values[name] = ((text as string[] | undefined) ?? []).map((t) => spec.value!.parse(t, `--${name}`));
    else if (text !== undefined) values[name] = spec.value.parse(text as string, `--${name}`);
    else values[name] = spec.default === undefined ? undefined : spec.value.parse(spec.default, `--${name}`);
  }
  for (const [name, spec] of Object.entries(options)) if (spec.aliasOf && values[name] === true) values[spec.aliasOf] = true;
  const format = help ? output.default : chooseFormat(output, raw.json, hasFormatOption(output) ? raw.format : undefined);
  return { values: values as OptionValues<O>, positionals: parsed.positionals, format, help };
}

/**
 * The output format `args` ask for, read leniently (unknown options allowed)
 * after a parse failed: a usage error is printed as JSON when JSON output was
 * asked for, or is the command's default. A malformed --format gives undefined.
 */
export function requestedFormat(args: string[], options: OptionSpecs, output: OutputSpec): string | undefined {
  try {
    const { values } = parseArgs({ args, options: parseArgsOptions(options, output), allowPositionals: true, strict: false });
    return chooseFormat(output, values.json, hasFormatOption(output) ? values.format : undefined);
  } catch {
    return undefined;
  }
}

// ─── Value kinds ────────────────────────────────────────────────────────────

function quoted(text: string): string {
  return JSON.stringify(text);
}

/** A value given as text: non-empty, without control characters. */
function checkText(text: string, option: string, what: string): void {
  if (text === '') throw new UsageError(`${option} needs ${what}, not an empty string`);
  if (/[\x00-\x1f\x7f]/.test(text)) throw new UsageError(`${option} ${quoted(text)} contains a control character`);
}

/** A file or directory path (whether it exists is the library's business). */
export const path: ValueKind<string> = {
  placeholder: 'PATH',
  parse(text, option) {
    checkText(text, option, 'a path');
    return text;
  },
};

export const file: ValueKind<string> = { ...path, placeholder: 'FILE' };
export const dir: ValueKind<string> = { ...path, placeholder: 'DIR' };

/** A path or a URL (a repository location). */
export const location: ValueKind<string> = { ...path, placeholder: 'DIR_OR_URL' };

/** An absolute URL with a scheme (http://…, file:///…). */
export const url: ValueKind<string> = {
  placeholder: 'URL',
  parse(text, option) {
    checkText(text, option, 'a URL');
    if (!/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(text)) throw new UsageError(`${option} ${quoted(text)} is not a URL (scheme://…)`);
    return text;
  },
};

/** A package name or other single word (no whitespace). */
export function word(placeholder: string): ValueKind<string> {
  return {
    placeholder,
    parse(text, option) {
      checkText(text, option, placeholder.toLowerCase());
      if (/\s/.test(text)) throw new UsageError(`${option} ${quoted(text)} contains whitespace`);
      return text;
    },
  };
}

/** A decimal integer within [min, max]. */
export function integer(min: number, max: number, placeholder = 'N'): ValueKind<number> {
  return {
    placeholder,
    parse(text, option) {
      const n = Number(text);
      if (!/^-?\d+$/.test(text) || n < min || n > max) throw new UsageError(`${option} must be an integer from ${min} to ${max}, not ${quoted(text)}`);
      return n;
    },
  };
}

const UNITS: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/** A positive byte count: digits with an optional K, M, G or T suffix (powers of 1024; 'KiB'/'KB' accepted). */
export const bytes: ValueKind<number> = {
  placeholder: 'BYTES',
  parse(text, option) {
    const m = /^(\d+)([KMGT]?)(i?B)?$/i.exec(text);
    const n = m ? Number(m[1]) * UNITS[m[2]!.toUpperCase()]! : NaN;
    if (!(n > 0 && Number.isSafeInteger(n))) throw new UsageError(`${option} ${quoted(text)} is not a positive byte count (digits with an optional K, M, G or T)`);
    return n;
  },
};

/** One of a fixed set of words. */
export function oneOf<const T extends string>(choices: readonly T[], placeholder = choices.join('|')): ValueKind<T> {
  return {
    placeholder,
    parse(text, option) {
      if (!(choices as readonly string[]).includes(text)) throw new UsageError(`${option} must be one of ${choices.join(', ')}, not ${quoted(text)}`);
      return text as T;
    },
  };
}

/** Seconds since 1970 by the one SOURCE_DATE_EPOCH rule of src/tree/epoch.ts (decimal, 0 … 2^32-1). */
export const epoch: ValueKind<number> = {
  placeholder: 'N',
  parse(text, option) {
    try {
      return parseSourceDateEpoch(text, option);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  },
};

/** Any validation done elsewhere (e.g. a library parser): its DistrokitError or Error becomes a usage error. */
export function checked<T>(placeholder: string, parse: (text: string, option: string) => T): ValueKind<T> {
  return {
    placeholder,
    parse(text, option) {
      try {
        return parse(text, option);
      } catch (err) {
        if (err instanceof UsageError) throw err;
        const detail = err instanceof Error ? ('detail' in err ? String(err.detail) : err.message) : String(err);
        throw new UsageError(detail.includes(option) ? detail : `${option}: ${detail}`);
      }
    },
  };
}

/** A Debian architecture name (amd64, arm64, hurd-i386 …) by dpkg's rule (formats/deb822/arch.ts); 'all' and 'any' are not machine architectures. */
export const debArch: ValueKind<string> = checked('ARCH', (text) => (checkNativeArch(text), text));

/** A comma-separated list of RPM architectures, best first (x86_64,i686,noarch). */
export const rpmArchList: ValueKind<string[]> = {
  placeholder: 'LIST',
  parse(text, option) {
    const archs = text.split(',').map((a) => a.trim());
    if (archs.length === 0 || archs.some((a) => !/^[A-Za-z0-9_]+$/.test(a)))
      throw new UsageError(`${option} ${quoted(text)} is not a comma-separated list of RPM architectures (e.g. x86_64,noarch)`);
    return archs;
  },
};

/** A comma-separated list of words (kernel module names …), none empty. */
export function wordList(placeholder: string): ValueKind<string[]> {
  return {
    placeholder,
    parse(text, option) {
      const items = text.split(',').map((s) => s.trim());
      if (items.some((s) => s === '' || /[\s/]/.test(s))) throw new UsageError(`${option} ${quoted(text)} is not a comma-separated list of names`);
      return items;
    },
  };
}

/** UID:GID, each a 32-bit unsigned number. */
export const owner: ValueKind<{ uid: number; gid: number }> = {
  placeholder: 'UID:GID',
  parse(text, option) {
    const m = /^(\d+):(\d+)$/.exec(text);
    const uid = Number(m?.[1]);
    const gid = Number(m?.[2]);
    if (!m || uid > 0xffffffff || gid > 0xffffffff) throw new UsageError(`${option} ${quoted(text)} is not UID:GID (numbers)`);
    return { uid, gid };
  },
};
