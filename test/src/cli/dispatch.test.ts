/** The one dispatcher: help at every level, unknown names, usage errors and JSON errors, through the real CLI. */
import { describe, expect, it } from 'vitest';
import { type CommandSpec, editDistance, unknownMessage } from '../../../src/cli/dispatch.js';
import { GROUPS } from '../../../src/cli/main.js';
import { debianCache } from '../../helpers/cache.js';
import { distrokit } from '../../helpers/cli.js';

describe('help', () => {
  it('top level: help, --help and -h print the groups and examples (exit 0); nothing at all is exit 2', () => {
    const outputs = ['help', '--help', '-h'].map((w) => distrokit([w]));
    for (const r of outputs) {
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(outputs[0]!.stdout);
    }
    // One column for the summaries, as wide as the longest group name.
    const width = Math.max(...GROUPS.map((g) => g.name.length));
    for (const g of GROUPS) expect(outputs[0]!.stdout).toContain(`  ${g.name.padEnd(width)} ${g.summary}`);
    expect(outputs[0]!.stdout).toMatch(/Examples:\n {2}distrokit /);
    const bare = distrokit([]);
    expect(bare.status).toBe(2);
    expect(bare.stderr).toBe(outputs[0]!.stdout);
  });

  it('every group: GROUP help, --help and -h list every command with its summary; every command: the same help all three ways', async () => {
    for (const group of GROUPS) {
      const commands = (await group.load()) as CommandSpec[];
      if (group.direct) {
        const [cmd] = commands;
        const help = distrokit([group.name, '--help']);
        expect(help.status).toBe(0);
        expect(help.stdout).toContain(`Usage: distrokit ${group.name} ${cmd!.usage}`);
        expect(distrokit(['help', group.name]).stdout).toBe(help.stdout);
        continue;
      }
      const ways = [[group.name, 'help'], [group.name, '--help'], [group.name, '-h'], ['help', group.name]].map((argv) => distrokit(argv));
      for (const r of ways) {
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout).toBe(ways[0]!.stdout);
      }
      for (const c of commands) expect(ways[0]!.stdout).toContain(`${c.name.padEnd(2)}`);
      for (const c of commands) expect(ways[0]!.stdout).toContain(c.summary);
      const bare = distrokit([group.name]);
      expect(bare.status).toBe(2);
      expect(bare.stderr).toBe(ways[0]!.stdout);
      for (const c of commands) {
        const help = distrokit([group.name, c.name, '--help']);
        expect(help.status, `${group.name} ${c.name}`).toBe(0);
        expect(help.stdout).toContain(`Usage: distrokit ${group.name} ${c.name} ${c.usage}\n`);
        expect(help.stdout).toMatch(/\nOptions:\n[^]*\n {2}-h, --help +this help\n\nExamples:\n {2}distrokit /);
        for (const [name, spec] of Object.entries(c.options)) if (spec.help) expect(help.stdout).toContain(`--${name}`);
        expect(distrokit([group.name, 'help', c.name]).stdout).toBe(help.stdout);
        expect(distrokit(['help', group.name, c.name]).stdout).toBe(help.stdout);
        expect(distrokit([group.name, c.name, '-h']).stdout).toBe(help.stdout);
      }
    }
  }, 300_000);
});

describe('unknown names and usage errors', () => {
  it('an unknown group or command is exit 2 naming the closest one', () => {
    const group = distrokit(['debb', 'closure']);
    expect(group.status).toBe(2);
    expect(group.stderr).toMatch(/^distrokit: USAGE: unknown command group 'debb'; did you mean 'deb'\?/);
    const cmd = distrokit(['deb', 'closur']);
    expect(cmd.status).toBe(2);
    expect(cmd.stderr).toMatch(/^distrokit: USAGE: unknown deb command 'closur'; did you mean 'closure'\? \(closure, compare-versions, info\)\nTry 'distrokit deb --help'\.\n$/);
    expect(distrokit(['rpm', 'compare']).stderr).toContain("did you mean 'compare-versions'?");
    expect(distrokit(['deb', 'help', 'nope']).status).toBe(2);
    const far = distrokit(['ext4', 'xyzzy']);
    expect(far.status).toBe(2);
    expect(far.stderr).not.toContain('did you mean');
    expect(editDistance('closur', 'closure')).toBe(1);
    expect(unknownMessage('command', 'bild', ['build'])).toContain("did you mean 'build'");
  });

  it('wrong argument counts and unknown options are exit 2 with a coded message', () => {
    for (const argv of [
      ['deb', 'compare-versions', '1', 'lt'],
      ['rpm', 'compare-versions', '1'],
      ['deb', 'info'],
      ['archive', 'extract', 'x'],
      ['tree', 'merge', '--out', '/tmp/x'],
      ['initrd', 'build', 'extra'],
      ['ext4', 'build', '--frobnicate'],
      ['demo', 'extra'],
    ]) {
      const r = distrokit(argv);
      expect(r.status, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^distrokit: USAGE: /);
    }
    // --json and --format nix contradict each other: no format is chosen, the error is plain text.
    const both = distrokit(['deb', 'closure', '--json', '--format', 'nix', '--index', debianCache.updates, 'bash']);
    expect(both.status).toBe(2);
    expect(both.stdout).toBe('');
    expect(both.stderr).toContain('distrokit: USAGE: --json and --format nix exclude each other');
  });
});

describe('JSON errors follow the parsed output format', () => {
  const missing = '/nonexistent/Packages';
  it('--json, --format json, --format=json and a JSON default all give {"error": …} on stdout; other formats do not', () => {
    for (const flags of [['--json'], ['--format', 'json'], ['--format=json'], []]) {
      const r = distrokit(['deb', 'closure', '--index', missing, ...flags, 'bash']);
      expect(r.status, flags.join(' ')).toBe(1);
      expect(JSON.parse(r.stdout)).toEqual({ error: expect.objectContaining({ code: 'DEB_INDEX_UNREADABLE', file: missing, message: expect.any(String) }) });
      expect(r.stderr).toMatch(/^distrokit: DEB_INDEX_UNREADABLE: /);
    }
    for (const format of ['nix', 'list']) {
      const r = distrokit(['deb', 'closure', '--index', missing, '--format', format, 'bash']);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
    }
    const bad = 'fixtures/tar/hostile/TAR_BAD_CHECKSUM.tar';
    const text = distrokit(['archive', 'list', bad]);
    expect(text.status).toBe(1);
    expect(text.stdout).toBe('');
    expect(text.stderr).toMatch(/^distrokit: TAR_BAD_CHECKSUM: /);
    const json = distrokit(['archive', 'list', '--json', bad]);
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout.slice(json.stdout.lastIndexOf('{"error"')))).toEqual({ error: expect.objectContaining({ code: 'TAR_BAD_CHECKSUM' }) });
  });

  it('usage errors under JSON output are {"error":{"code":"USAGE"}} with exit 2, also when the parse itself failed', () => {
    const cases = [
      ['rpm', 'closure', '--json', 'bash'],
      ['rpm', 'closure', '--format', 'json', '--no-such-option', 'bash'],
      ['deb', 'closure', '--index', debianCache.updates, '--arch', 'a b', 'bash'],
      ['ext4', 'build', '--json', '--out', 'x.img'],
    ];
    for (const argv of cases) {
      const r = distrokit(argv);
      expect(r.status, argv.join(' ')).toBe(2);
      expect(JSON.parse(r.stdout)).toEqual({ error: { code: 'USAGE', message: expect.any(String) } });
      expect(r.stderr).toMatch(/^distrokit: USAGE: /);
    }
    // --json and --format nix contradict each other: no format is chosen, the error is plain text.
    const both = distrokit(['deb', 'closure', '--json', '--format', 'nix', '--index', debianCache.updates, 'bash']);
    expect(both.status).toBe(2);
    expect(both.stdout).toBe('');
    expect(both.stderr).toContain('distrokit: USAGE: --json and --format nix exclude each other');
  });
});
