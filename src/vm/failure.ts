/**
 * How a `runInVm` run that ended without a status is classified: by how QEMU
 * ended first (timeout, interrupt, a QEMU error), then by what the console
 * says (a kernel panic, a stage-1 failure, no stage 1 at all, or stage 1
 * without a status).
 */
import { DistrokitError, type ErrorCode } from '../../formats/errors.js';
import type { QemuEnd } from './qemu-process.js';

const TAIL_LINES = 20;

/** The codes of runs that failed as a VM: their run directory is kept, with a run-vm script. */
export const VM_FAILURE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['VM_TIMEOUT', 'VM_PANIC', 'VM_NO_STAGE1', 'VM_NO_EXIT_STATUS', 'VM_STAGE1_FAILED', 'VM_OUT_UNREADABLE']);

export function consoleTail(text: string): string {
  return text.split('\n').filter((l) => l.trim() !== '').slice(-TAIL_LINES).join('\n');
}

/** The error for a run that ended without a status, from the console. */
export function classifyFailure(end: QemuEnd, consoleText: string, kernel: string, timeoutMs: number): DistrokitError {
  const tail = consoleTail(consoleText);
  const at = { file: kernel };
  if (end.reason === 'aborted') return new DistrokitError('VM_INTERRUPTED', 'the run was interrupted; the VM was stopped', at);
  if (end.reason === 'timeout') return new DistrokitError('VM_TIMEOUT', `the VM did not finish within ${timeoutMs / 1000} s; console tail:\n${tail}`, at);
  const panic = /Kernel panic - not syncing:[^\n]*/.exec(consoleText);
  if (panic) return new DistrokitError('VM_PANIC', `the guest kernel panicked (${panic[0].trim()}); console tail:\n${tail}`, at);
  if (end.code !== 0) return new DistrokitError('VM_QEMU_FAILED', `qemu exited with ${end.code}: ${end.stderr.trim()}\n${tail}`, at);
  const failed = /stage1: FAILED: ([^\n]*)/.exec(consoleText);
  if (failed) return new DistrokitError('VM_STAGE1_FAILED', `stage 1 failed: ${failed[1]}; console tail:\n${tail}`, at);
  if (!consoleText.includes('stage1: ')) return new DistrokitError('VM_NO_STAGE1', `the guest never reached distrokit's stage 1; console tail:\n${tail}`, at);
  return new DistrokitError('VM_NO_EXIT_STATUS', `the guest stopped without reporting an exit status; console tail:\n${tail}`, at);
}
