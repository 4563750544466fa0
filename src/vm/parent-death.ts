/**
 * Spawning QEMU so that it dies with distrokit even when distrokit cannot
 * clean up (SIGKILL, the OOM killer): through util-linux's `setpriv
 * --pdeathsig KILL`, which sets the parent-death signal and then execs the
 * command (same pid, same argv[0]), so the kernel kills QEMU when the node
 * process that spawned it is gone. Without setpriv, or when the command is
 * not found in PATH (so that spawn's own ENOENT still reports it), the command
 * is spawned directly.
 */
import { type ChildProcessByStdio, spawn, type SpawnOptions } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Readable } from 'node:stream';

/** Whether `command` names an executable: a path, or a name found in PATH. */
function executable(command: string): boolean {
  const candidates = command.includes('/') ? [command] : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, command));
  return candidates.some((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

let setprivPresent: boolean | undefined;

/** spawn(command, args, options) with stderr piped, killed by the kernel when this process dies. */
export function spawnTiedToParent(command: string, args: string[], options: SpawnOptions): ChildProcessByStdio<null, null, Readable> {
  setprivPresent ??= executable('setpriv');
  const tied = setprivPresent && executable(command);
  const [file, argv] = tied ? ['setpriv', ['--pdeathsig', 'KILL', '--', command, ...args]] : [command, args];
  return spawn(file, argv, { ...options, stdio: ['ignore', 'ignore', 'pipe'] }) as ChildProcessByStdio<null, null, Readable>;
}
