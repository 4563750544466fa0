import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClosureDocument } from '../../../../src/deb/output.js';
import { installScript } from '../../../../src/vm/debian/install-script.js';
import { readLock } from '../../../../src/vm/debian/plan.js';

const sha = 'a'.repeat(64);
const pkg = (name: string, group: number) => ({
  name, version: '1', arch: 'amd64', id: name, location: `pool/main/${name[0]}/${name}/${name}_1_amd64.deb`, url: null,
  checksum: { type: 'sha256', value: sha }, size: 1, group, repo: null,
});
const doc: ClosureDocument = {
  requested: ['c'],
  packages: [pkg('a', 0), pkg('b', 1), pkg("c'q", 1)],
  groups: [['a'], ['b', "c'q"]],
  problems: [],
  warnings: [],
};

const dir = mkdtempSync(join(tmpdir(), 'distrokit-install-script-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** dash's own parser (-n: read, do not run) — the shell the guest runs it with. */
function parses(script: string): void {
  const file = join(dir, 'script.sh');
  writeFileSync(file, script);
  execFileSync('dash', ['-n', file]);
}

describe('the in-guest install script', () => {
  it("'seed' mode: one dpkg --install --force-all per install group, in order, failing the build on an error", () => {
    const script = installScript(doc, 'seed');
    parses(script);
    const installs = script.split('\n').filter((l) => l.startsWith('dpkg --install'));
    expect(installs).toHaveLength(2);
    expect(installs[0]).toContain("'/in/a_1_amd64.deb'");
    expect(installs[1]).toContain(`'/in/b_1_amd64.deb' '/in/c'\\''q_1_amd64.deb'`);
    expect(installs.every((l) => l.includes('--force-all') && l.includes('|| { restore; fail'))).toBe(true);
  });

  it("'fast' mode: one dpkg --install of every package in install-group order, its status lines as progress", () => {
    const script = installScript(doc, 'fast', "echo 'done'");
    parses(script);
    const install = script.split('\n').find((l) => l.includes('{ dpkg --install'))!;
    expect(install).toMatch(/'\/in\/a_1_amd64\.deb' '\/in\/b_1_amd64\.deb' '\/in\/c'\\''q_1_amd64\.deb'/);
    expect(install).toContain('--status-fd 3');
    expect(script).toContain(`/bin/sh -c 'echo '\\''done'\\'''`);
    // The audit runs after the services' blockers are removed and before the post-install command.
    expect(script.indexOf('restore\n')).toBeLessThan(script.indexOf('dpkg --audit'));
    expect(script.indexOf('dpkg --audit')).toBeLessThan(script.indexOf('post-install'));
  });
});

describe('lock files', () => {
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('reads a closure document', async () => {
    expect((await readLock(write('ok.json', JSON.stringify(doc)))).packages.map((p) => p.name)).toEqual(['a', 'b', "c'q"]);
  });

  it('rejects what is not a complete closure document, naming the file and the entry', async () => {
    await expect(readLock(join(dir, 'missing.json'))).rejects.toMatchObject({ code: 'IMAGE_BAD_LOCK' });
    await expect(readLock(write('bad.json', '{"packages": ['))).rejects.toMatchObject({ code: 'IMAGE_BAD_LOCK', data: { file: join(dir, 'bad.json') } });
    const noSha = { ...doc, packages: [pkg('a', 0), { ...pkg('b', 1), checksum: null }] };
    await expect(readLock(write('nosha.json', JSON.stringify(noSha)))).rejects.toMatchObject({ code: 'IMAGE_BAD_LOCK', data: { entry: 'packages[1]' } });
    const problems = { ...doc, problems: [{ code: 'DEB_UNSATISFIABLE', message: 'x', chain: ['a'], dependency: 'z' }] };
    await expect(readLock(write('problems.json', JSON.stringify(problems)))).rejects.toMatchObject({ code: 'IMAGE_BAD_LOCK' });
  });
});
