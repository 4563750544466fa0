/**
 * Every value-taking option of every command, given a malformed value, is a
 * usage error at the CLI boundary: exit 2, a coded message naming the option,
 * never an internal error. The table is checked against the dispatcher's
 * declarations, so an option added without bad-value cases fails here.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type CommandSpec } from '../../../src/cli/dispatch.js';
import { GROUPS } from '../../../src/cli/main.js';
import { hasFormatOption, TEXT_OR_JSON } from '../../../src/cli/options.js';
import { distrokit } from '../../helpers/cli.js';

/** 'group command --option' (a direct group: 'group --option') → malformed values. */
const BAD_VALUES: Record<string, string[]> = {
  'demo --out': [''],

  'deb closure --index': [''],
  'deb closure --url-prefix': ['', 'not a url', 'http://a b'],
  'deb closure --arch': ['', 'a b', 'all', '-amd64', 'amd64/x', 'x'.repeat(65)],
  'deb closure --compat': ['', 'rpm-closure'],
  'deb closure --why': ['', 'a b'],
  'deb closure --format': ['nope', 'JSON', 'text'],
  'deb closure --dist': ['', 'a b'],
  'deb closure --mirror': ['', 'not a url'],
  'deb closure --suite': ['', 'a b'],
  'deb closure --keyring': [''],

  'rpm closure --repo': [''],
  'rpm closure --priority': ['x', '1.5', '', '99999999999'],
  'rpm closure --arch': ['', ',', 'x86_64,,noarch', 'x86 64'],
  'rpm closure --compat': ['deb-closure'],
  'rpm closure --why': ['', 'a b'],
  'rpm closure --format': ['nope', 'yaml'],

  'archive extract --policy': ['', 'first-wins'],
  'archive extract --max-output': ['0', '12Q', '-1', '1.5M', ''],

  'tree merge --out': [''],
  'tree merge --policy': ['nope'],
  'tree merge --jobs': ['0', '-1', '65', 'x'],

  'initrd build --out': [''],
  'initrd build --from': [''],
  'initrd build --spec': [''],
  'initrd build --compress': ['lzo', ''],
  'initrd build --level': ['x', '-1', '23'],
  'initrd build --prepend': [''],
  'initrd build --source-date-epoch': ['-5', 'x', '1.5', ''],
  'initrd build --format': ['odc', 'json'],
  'initrd build --align': ['3', '6', '-4', 'x'],

  'vm run --kernel': [''],
  'vm run --memory': ['x', '0', '63', '1.5', ''],
  'vm run --cpus': ['0', '65', 'x'],
  'vm run --timeout': ['0', '-1', 'x', '86401'],
  'vm run --env': ['', 'NOVALUE', '=x', '1A=x', 'A B=x'],
  'vm run --workdir': ['', 'relative', 'tmp/x'],
  'vm run --image': [''],
  'vm run --in': [''],
  'vm run --out': [''],
  'vm run --out-size': ['', '0', 'x', '-1', '1.5M', '1023K'],

  'image debian --out': [''],
  'image debian --index': [''],
  'image debian --dist': ['', 'a b'],
  'image debian --suite': ['', 'a b'],
  'image debian --keyring': [''],
  'image debian --url-prefix': ['', 'not a url'],
  'image debian --lock': [''],
  'image debian --debs': [''],
  'image debian --mirror': ['', 'deb.debian.org/debian'],
  'image debian --mode': ['', 'slow', 'SEED'],
  'image debian --post-install': ['', '   '],
  'image debian --size': ['', 'min', '0', '12Q', '-1'],
  'image debian --source-date-epoch': ['-5', 'x', ''],
  'image debian --kernel': [''],
  'image debian --memory': ['x', '255', ''],
  'image debian --cpus': ['0', '65'],
  'image debian --timeout': ['0', 'x', '86401'],

  'initrd modules --kernel': [''],
  'initrd modules --modules': ['', 'a,,b', 'a b', 'a/b'],
  'initrd modules --out': [''],
  'initrd modules --version': ['', '..', 'a/b'],

  'ext4 build --out': [''],
  'ext4 build --from': [''],
  'ext4 build --from-tar': [''],
  'ext4 build --from-deb': [''],
  'ext4 build --from-rpm': [''],
  'ext4 build --size': ['12Q', '', '-1', '1.5G'],
  'ext4 build --size-heuristic': ['x'],
  'ext4 build --extra-blocks': ['-1', 'x'],
  'ext4 build --extra-inodes': ['-1'],
  'ext4 build --extra-percent': ['-1', '1001'],
  'ext4 build --inodes': ['x', '4294967296'],
  'ext4 build --label': ['a label longer than 16 bytes'],
  'ext4 build --uuid': ['zz', '1234'],
  'ext4 build --hash-seed': ['zz'],
  'ext4 build --source-date-epoch': ['-5', 'x'],
  'ext4 build --owner': ['a:b', '0', '0:', '-1:0', '4294967296:0'],
  'ext4 build --threads': ['-1', '65', 'x'],

  'fetch index --dist': ['', 'a b'],
  'fetch index --mirror': ['', 'not a url', '127.0.0.1/debian'],
  'fetch index --suite': ['', 'a b'],
  'fetch index --component': ['', 'a b'],
  'fetch index --arch': ['', 'a b', 'all', '-amd64'],
  'fetch index --keyring': [''],
  'fetch index --out': [''],
  'fetch index --retries': ['-1', '21', 'x'],
  'fetch index --timeout': ['0', '3601', 'x', '1.5'],
  'fetch repodata --mirror': ['', 'not a url'],
  'fetch repodata --keyring': [''],
  'fetch repodata --dist': ['', 'a b'],
  'fetch repodata --arch': ['', 'a b'],
  'fetch repodata --type': ['', 'a b'],
  'fetch repodata --out': [''],
  'fetch repodata --retries': ['-1', '21', 'x'],
  'fetch repodata --timeout': ['0', '3601', 'x'],
  'fetch packages --lock': [''],
  'fetch packages --cache': [''],
  'fetch packages --out': [''],
  'fetch packages --jobs': ['0', '65', 'x', '1.5', ''],
  'fetch packages --mirror': ['', 'not a url', '127.0.0.1/debian'],
  'fetch packages --retries': ['-1', '21', 'x'],
  'fetch packages --timeout': ['0', '3601', 'x', '1.5'],
  'store-image --out': [''],
  'store-image --references-graph': [''],
  'store-image --closure-info': [''],
  'store-image --store-dir': ['', 'nix/store', '/nix/store/', '/nix//store', '/nix/../store', '/'],
  'store-image --root': [''],
  'store-image --files': [''],
  'store-image --registration': ['', 'json', 'load_db'],
  'store-image --gid': ['-1', 'x', '4294967296', '1.5'],
  'store-image --label': ['a label longer than 16 bytes'],
  'store-image --uuid': ['zz', '1234', ''],
  'store-image --size-heuristic': ['', 'seed', 'auto'],
  'store-image --compress': ['', 'gzip', 'xz'],
  'store-image --source-date-epoch': ['-5', 'x', ''],
  'store-image --threads': ['-1', '65', 'x'],
};

interface DeclaredOption {
  key: string;
  argv: string[];
  option: string;
  jsonByDefault: boolean;
}

let declared: DeclaredOption[] = [];

beforeAll(async () => {
  declared = [];
  for (const group of GROUPS) {
    for (const cmd of (await group.load()) as CommandSpec[]) {
      const prefix = group.direct ? [group.name] : [group.name, cmd.name];
      const output = cmd.output ?? TEXT_OR_JSON;
      const names = Object.entries(cmd.options)
        .filter(([, spec]) => spec.value)
        .map(([name]) => name);
      if (hasFormatOption(output)) names.push('format');
      for (const name of names)
        declared.push({ key: `${prefix.join(' ')} --${name}`, argv: prefix, option: `--${name}`, jsonByDefault: output.default === 'json' });
    }
  }
});

describe('bad option values', () => {
  it('the table covers exactly the declared value-taking options', () => {
    expect(declared.map((d) => d.key).sort()).toEqual(Object.keys(BAD_VALUES).sort());
  });

  it('every bad value is a usage error naming its option: exit 2, code USAGE, no internal error', () => {
    const failures: string[] = [];
    let cases = 0;
    for (const d of declared) {
      for (const value of BAD_VALUES[d.key] ?? []) {
        cases++;
        // --option=value, so that a value starting with '-' reaches the validator.
        const r = distrokit([...d.argv, `${d.option}=${value}`]);
        const what = `${d.key} ${JSON.stringify(value)}: exit ${r.status}, stderr ${JSON.stringify(r.stderr)}, stdout ${JSON.stringify(r.stdout)}`;
        // Under a JSON default the usage error is JSON on stdout too, unless the bad value is the format itself.
        const stdoutOk = d.jsonByDefault && d.option !== '--format' ? /^\{"error":\{"code":"USAGE","message":"[^\n]*\}\}\n$/.test(r.stdout) : r.stdout === '';
        if (r.status !== 2 || !r.stderr.startsWith(`distrokit: USAGE: `) || !r.stderr.includes(d.option) || r.stderr.includes('internal error') || !stdoutOk)
          failures.push(what);
      }
    }
    expect(cases).toBeGreaterThan(100);
    expect(failures).toEqual([]);
  }, 600_000);
});
