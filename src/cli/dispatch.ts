/**
 * The one sub-command dispatcher: `distrokit GROUP COMMAND [options]`.
 * Groups declare their commands in a table (summary, usage, options,
 * examples, run); this module does help at every level, unknown-command
 * suggestions, option parsing and error reporting.
 *
 * Errors: a DistrokitError exits 1, a usage error 2, anything else is an
 * internal error (exit 1, with its stack). When the command's output format
 * is JSON — by --json, --format json, or the command's default — the error is
 * also printed on stdout as {"error": {code, message, …position}} (usage
 * errors as code "USAGE"); the human line always goes to stderr.
 */
import { DistrokitError } from '../../formats/errors.js';
import { EXIT_FAIL, EXIT_OK, EXIT_USAGE, UsageError } from './common.js';
import { hasFormatOption, type OptionSpecs, type ValueKind, type OutputSpec, type ParsedArgs, parseOptions, requestedFormat, TEXT_OR_JSON } from './options.js';

export interface CommandSpec<O extends OptionSpecs = OptionSpecs> {
  name: string;
  /** One line, for the group's command list. */
  summary: string;
  /** What follows `distrokit GROUP NAME`, e.g. '--index FILE… [options] PKG…'. */
  usage: string;
  /** Paragraphs after the usage line. */
  description?: string;
  options: O;
  /** Output formats; default: text, or JSON with --json. */
  output?: OutputSpec;
  /** Allowed count of positional arguments, and their kind when they must be checked (e.g. FILE: not empty). */
  positionals: { min: number; max?: number; value?: ValueKind };
  examples: string[];
  run(args: ParsedArgs<O>): Promise<number>;
}

/** Declares a command with its option types inferred (so `run` sees typed values). */
export function command<const O extends OptionSpecs>(spec: CommandSpec<O>): CommandSpec {
  return spec as unknown as CommandSpec;
}

export interface GroupSpec {
  name: string;
  summary: string;
  /** The group's commands, loaded on demand so that one group's code never slows another. */
  load(): Promise<CommandSpec[]>;
  /** A group that is one command (`distrokit demo [options]`): its only command takes the arguments. */
  direct?: boolean;
}

const HELP_WORDS = new Set(['help', '--help', '-h']);

/** Runs `argv` (without the program name) against the groups; returns the exit code. */
export async function dispatch(program: { intro: string; examples: string[] }, groups: GroupSpec[], argv: string[]): Promise<number> {
  const [groupName, ...rest] = argv;
  const top = () => topHelp(program, groups);
  if (groupName === undefined) return usage(top());
  if (HELP_WORDS.has(groupName)) {
    if (rest.length === 0) return print(top());
    return helpFor(groups, rest);
  }
  const group = groups.find((g) => g.name === groupName);
  if (!group) return reportError(new UsageError(unknownMessage('command group', groupName, groups.map((g) => g.name))), false, 'distrokit --help');
  const commands = await group.load();
  if (group.direct) {
    if (rest.length === 1 && HELP_WORDS.has(rest[0]!)) return print(commandHelp(group.name, commands[0]!, true));
    return runCommand(group, commands[0]!, rest);
  }
  const [commandName, ...args] = rest;
  if (commandName === undefined) return usage(groupHelp(group, commands));
  if (HELP_WORDS.has(commandName)) {
    if (args.length === 0) return print(groupHelp(group, commands));
    return helpFor(groups, [group.name, ...args]);
  }
  const cmd = commands.find((c) => c.name === commandName);
  if (!cmd) {
    const err = new UsageError(unknownMessage(`${group.name} command`, commandName, commands.map((c) => c.name)));
    return reportError(err, false, `distrokit ${group.name} --help`);
  }
  return runCommand(group, cmd, args);
}

async function runCommand(group: GroupSpec, cmd: CommandSpec, args: string[]): Promise<number> {
  const output = cmd.output ?? TEXT_OR_JSON;
  const hint = group.direct ? `distrokit ${group.name} --help` : `distrokit ${group.name} ${cmd.name} --help`;
  let parsed: ParsedArgs<OptionSpecs>;
  try {
    parsed = parseCommandLine(group.direct ? group.name : `${group.name} ${cmd.name}`, cmd, args);
    if (parsed.help) return print(commandHelp(group.name, cmd, group.direct));
  } catch (err) {
    return reportError(err, requestedFormat(args, cmd.options, output) === 'json', hint);
  }
  try {
    return await cmd.run(parsed);
  } catch (err) {
    return reportError(err, parsed.format === 'json', hint);
  }
}

/**
 * Runs `COMMAND [options]` of a group in-process without printing errors:
 * they are thrown (UsageError, DistrokitError) for the caller to handle (tests, embedding).
 */
export async function invoke(groupName: string, commands: CommandSpec[], argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) throw new UsageError(unknownMessage('command', name ?? '', commands.map((c) => c.name)));
  const parsed = parseCommandLine(`${groupName} ${cmd.name}`, cmd, args);
  if (parsed.help) return print(commandHelp(groupName, cmd));
  return cmd.run(parsed);
}

/** Options, format and positional count of one command line. */
function parseCommandLine(what: string, cmd: CommandSpec, args: string[]): ParsedArgs<OptionSpecs> {
  const parsed = parseOptions(args, cmd.options, cmd.output ?? TEXT_OR_JSON);
  if (parsed.help) return parsed;
  const n = parsed.positionals.length;
  const { min, max } = cmd.positionals;
  if (n < min || (max !== undefined && n > max)) throw new UsageError(positionalMessage(what, cmd, n));
  const kind = cmd.positionals.value;
  if (kind) for (const p of parsed.positionals) kind.parse(p, kind.placeholder);
  return parsed;
}

function positionalMessage(what: string, cmd: CommandSpec, n: number): string {
  const { min, max, value } = cmd.positionals;
  const noun = (k: number) => (value ? `${k} ${value.placeholder}` : `${k} argument${k === 1 ? '' : 's'}`);
  if (max === 0) return `${what} takes no arguments`;
  if (min === max) return `${what} takes ${noun(min)}, not ${n}`;
  if (n < min) return `${what} needs at least ${noun(min)}`;
  return `${what} takes at most ${noun(max!)}, not ${n}`;
}

/** `distrokit help GROUP [COMMAND]` and `distrokit GROUP help COMMAND`. */
async function helpFor(groups: GroupSpec[], words: string[]): Promise<number> {
  const [groupName, commandName, ...extra] = words;
  const group = groups.find((g) => g.name === groupName);
  if (!group) return reportError(new UsageError(unknownMessage('command group', groupName!, groups.map((g) => g.name))), false, 'distrokit --help');
  const commands = await group.load();
  if (group.direct) return print(commandHelp(group.name, commands[0]!, true));
  if (commandName === undefined) return print(groupHelp(group, commands));
  const cmd = commands.find((c) => c.name === commandName);
  if (!cmd) return reportError(new UsageError(unknownMessage(`${group.name} command`, commandName, commands.map((c) => c.name))), false, `distrokit ${group.name} --help`);
  if (extra.length > 0) return reportError(new UsageError(`help takes a group and a command, not '${extra.join(' ')}'`), false, 'distrokit --help');
  return print(commandHelp(group.name, cmd));
}

function print(text: string): number {
  process.stdout.write(text);
  return EXIT_OK;
}

/** Nothing to run: the help on stderr, exit 2. */
function usage(text: string): number {
  process.stderr.write(text);
  return EXIT_USAGE;
}

/** "unknown X 'y'", with the closest known name: the one it begins, else one within a typo's distance. */
export function unknownMessage(what: string, name: string, known: string[]): string {
  const prefixed = known.filter((k) => name.length > 0 && k.startsWith(name));
  const best = known.map((k) => ({ k, d: editDistance(name, k) })).sort((a, b) => a.d - b.d)[0];
  const near = prefixed.length === 1 ? prefixed[0] : best && best.d <= Math.max(1, Math.floor(best.k.length / 3)) ? best.k : undefined;
  return `unknown ${what} '${name}'${near ? `; did you mean '${near}'?` : ''} (${known.join(', ')})`;
}

/** Levenshtein distance. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length]!;
}

/** Prints an error (and, for JSON output, {"error": …} on stdout) and returns its exit code. */
export function reportError(err: unknown, json: boolean, hint = 'distrokit --help'): number {
  if (err instanceof UsageError) {
    if (json) process.stdout.write(`${JSON.stringify({ error: { code: 'USAGE', message: err.message } })}\n`);
    process.stderr.write(`distrokit: USAGE: ${err.message}\nTry '${hint}'.\n`);
    return EXIT_USAGE;
  }
  // An INTERNAL DistrokitError is a bug carried across a thread: reported as one, with its stack.
  if (err instanceof DistrokitError && err.code !== 'INTERNAL') {
    if (json) process.stdout.write(`${JSON.stringify({ error: err.toJSON() })}\n`);
    process.stderr.write(`distrokit: ${err.code}: ${err.message}\n`);
    return EXIT_FAIL;
  }
  const e = err as Error;
  if (json) process.stdout.write(`${JSON.stringify({ error: { code: 'INTERNAL', message: e?.message ?? String(err) } })}\n`);
  // The fuzzer and the tests look for this exact phrase.
  process.stderr.write(`distrokit: internal error: ${e?.stack ?? e?.message ?? String(err)}\n`);
  return EXIT_FAIL;
}

// ─── Help texts, all made from the declarations ─────────────────────────────

function topHelp(program: { intro: string; examples: string[] }, groups: GroupSpec[]): string {
  const groupWidth = Math.max(...groups.map((g) => g.name.length));
  return [
    program.intro,
    '',
    'Usage: distrokit <group> <command> [options]',
    '       distrokit help [<group> [<command>]]',
    '',
    'Groups:',
    ...groups.map((g) => `  ${g.name.padEnd(groupWidth)} ${g.summary}`),
    '',
    "Run 'distrokit <group> --help' for the commands of a group, 'distrokit <group> <command> --help' for one command.",
    'Exit status: 0 ok, 1 failure, 2 usage error.',
    '',
    'Examples:',
    ...program.examples.map((e) => `  ${e}`),
    '',
  ].join('\n');
}

function groupHelp(group: GroupSpec, commands: CommandSpec[]): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    `distrokit ${group.name} — ${group.summary}`,
    '',
    `Usage: distrokit ${group.name} <command> [options]`,
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)} ${c.summary}`),
    '',
    `Run 'distrokit ${group.name} <command> --help' (or 'distrokit ${group.name} help <command>') for its options.`,
    '',
    'Examples:',
    ...commands.flatMap((c) => c.examples.slice(0, 2)).map((e) => `  ${e}`),
    '',
  ].join('\n');
}

/** The option lines of a command's help: declared options, then --format/--json, then --help. */
export function optionLines(cmd: CommandSpec): [string, string][] {
  const output = cmd.output ?? TEXT_OR_JSON;
  const lines: [string, string][] = [];
  for (const [name, spec] of Object.entries(cmd.options)) {
    if (!spec.help) continue;
    const short = spec.short ? `-${spec.short}, ` : '';
    const aliases = Object.entries(cmd.options).filter(([, s]) => s.aliasOf === name).map(([n]) => `, --${n}`).join('');
    lines.push([`${short}--${name}${aliases}${spec.value ? ` ${spec.value.placeholder}` : ''}`, spec.help]);
  }
  if (hasFormatOption(output)) lines.push(['--format FMT', `${output.formats.join(', ')} (default ${output.default})`]);
  lines.push(['--json', hasFormatOption(output) ? 'same as --format json' : 'print the result (and errors) as JSON']);
  lines.push(['-h, --help', 'this help']);
  return lines;
}

function commandHelp(groupName: string, cmd: CommandSpec, direct = false): string {
  const lines = optionLines(cmd);
  const width = Math.min(28, Math.max(...lines.map(([l]) => l.length)) + 2);
  const rendered = lines.map(([left, right]) => {
    const [first, ...more] = right.split('\n');
    const head = left.length + 2 > width ? `  ${left}\n  ${' '.repeat(width)}${first}` : `  ${left.padEnd(width)}${first}`;
    return [head, ...more.map((m) => `  ${' '.repeat(width)}${m}`)].join('\n');
  });
  return [
    `distrokit ${direct ? groupName : `${groupName} ${cmd.name}`} — ${cmd.summary}`,
    '',
    `Usage: distrokit ${direct ? groupName : `${groupName} ${cmd.name}`} ${cmd.usage}`,
    ...(cmd.description ? ['', cmd.description.trimEnd()] : []),
    '',
    'Options:',
    ...rendered,
    '',
    'Examples:',
    ...cmd.examples.map((e) => `  ${e}`),
    '',
  ].join('\n');
}
