/** libsolv (testsolv from libsolv-tools) as the closure oracle over a createrepo_c repository. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

/** Converts a repository directory to a .solv file (with filelists when asked), cached next to it. */
export function solvFile(repoDir: string, filelists: boolean): string {
  const out = join(repoDir, filelists ? 'libsolv-filelists.solv' : 'libsolv-primary.solv');
  if (!existsSync(out)) execFileSync('repo2solv', [...(filelists ? ['-F'] : []), '-o', out, repoDir]);
  return out;
}

export interface LibsolvResult {
  install: string[];
  problems: string[];
}

/** Runs testsolv for one install job; `install` lists NEVRAs (name-[epoch:]version-release.arch), sorted. */
export function libsolvInstall(solv: string, job: string, options: { arch?: string; weak?: boolean; selector?: 'name' | 'pkg' } = {}): LibsolvResult {
  const dir = mkdtempSync(join(tmpdir(), 'testsolv-'));
  try {
    mkdirSync(dir, { recursive: true });
    const testcase = join(dir, 'case.t');
    writeFileSync(
      testcase,
      [
        // testsolv reads repository files relative to the testcase's directory.
        `repo test 99 solv ${relative(dir, solv)}`,
        `system ${options.arch ?? 'x86_64'} rpm`,
        ...(options.weak ? [] : ['solverflags ignorerecommended']),
        `job install ${options.selector ?? 'name'} ${job}`,
        '',
      ].join('\n'),
    );
    const out = execFileSync('testsolv', ['-r', testcase]).toString();
    const install = [...out.matchAll(/^install (\S+)@test$/gm)].map((m) => m[1]!).sort();
    const problems = [...out.matchAll(/^problem \S+ info (.*)$/gm)].map((m) => m[1]!);
    return { install, problems };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** rpm -i --test into an empty root: does rpm itself find the set complete and conflict-free? */
export function rpmInstallTest(files: string[]): { ok: boolean; output: string } {
  const root = mkdtempSync(join(tmpdir(), 'rpmroot-'));
  try {
    execFileSync('rpm', ['--root', root, '--initdb']);
    try {
      const out = execFileSync('rpm', ['-i', '--test', '--nosignature', '--root', root, ...files], { stdio: ['ignore', 'pipe', 'pipe'] });
      return { ok: true, output: out.toString() };
    } catch (err) {
      const e = err as { stdout?: Buffer; stderr?: Buffer };
      return { ok: false, output: `${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}` };
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
