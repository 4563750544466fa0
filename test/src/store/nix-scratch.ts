/**
 * Scratch Nix stores for the oracle tests, never the machine's /nix/store: a
 * store with its own store directory (NIX_STORE_DIR …, so builds run without a
 * chroot and exportReferencesGraph can be exercised for real), and fresh
 * stores under a root (`--store local?root=R`) to load registrations into.
 */
import { type ExecFileSyncOptions, execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';

export interface ScratchStore {
  storeDir: string;
  env: NodeJS.ProcessEnv;
  /** Runs a nix command in this store; returns stdout. */
  run(cmd: string, args: string[], input?: string): string;
}

/** A store whose store directory is `base/store` (state in `base/var`). */
export function scratchStore(base: string): ScratchStore {
  const storeDir = join(base, 'store');
  const env = {
    ...process.env,
    NIX_STORE_DIR: storeDir,
    NIX_STATE_DIR: join(base, 'var'),
    NIX_LOG_DIR: join(base, 'log'),
    NIX_CONF_DIR: join(base, 'etc'),
    NIX_CONFIG: 'build-users-group =\nsandbox = false\nsubstituters =',
  };
  mkdirSync(join(base, 'etc'), { recursive: true });
  const opts: ExecFileSyncOptions = { env, maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'] };
  return {
    storeDir,
    env,
    run: (cmd, args, input) => execFileSync(cmd, args, { ...opts, ...(input !== undefined && { input }) }).toString(),
  };
}

/** A fresh, empty store seen through `--store local?root=ROOT` with the same store directory as `of`. */
export function freshRootStore(of: ScratchStore, root: string) {
  const storeArg = `local?root=${root}`;
  // Nix 2.8 puts a rooted store's files at ROOT/nix/store whatever the logical store directory.
  const real = join(root, 'nix', 'store');
  mkdirSync(real, { recursive: true });
  return {
    /** Where the store path `p` lives on the host. */
    realPath: (p: string) => join(real, basename(p)),
    /** Copies store paths of `of` into this store's directory (files only, not registered). */
    copyIn(paths: string[]) {
      for (const p of paths) cpSync(p, join(real, basename(p)), { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    },
    run(args: string[], input?: string): string {
      return execFileSync('nix-store', ['--store', storeArg, ...args], { env: of.env, maxBuffer: 1 << 30, ...(input !== undefined && { input }) }).toString();
    },
    /** `nix-store --verify --check-contents`: its exit status and everything it printed. */
    verify(): { status: number | null; output: string } {
      const r = spawnSync('nix-store', ['--store', storeArg, '--verify', '--check-contents'], { env: of.env, encoding: 'utf8' });
      return { status: r.status, output: `${r.stdout}${r.stderr}` };
    },
  };
}
