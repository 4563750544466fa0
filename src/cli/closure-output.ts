/** Printing shared by `deb closure` and `rpm closure`: one document, one --why shape, one exit-code rule. */
import type { ClosureDocument, ClosureIssue, WhyDocument } from '../graph/document.js';
import { renderClosureList, renderWhy } from '../graph/document.js';
import { EXIT_FAIL, EXIT_OK, writeStdout } from './common.js';
import { type OutputSpec } from './options.js';

/** json is the default: the closure is data; `--format nix` is the drop-in for the nixpkgs scripts. */
export const CLOSURE_OUTPUT: OutputSpec = { formats: ['json', 'nix', 'list'], default: 'json' };

function printIssues(problems: readonly ClosureIssue[], warnings: readonly ClosureIssue[], quiet: boolean): void {
  if (!quiet) for (const w of warnings) process.stderr.write(`distrokit: warning: ${w.code}: ${w.message}\n`);
  for (const p of problems) process.stderr.write(`distrokit: ${p.code}: ${p.message}\n`);
}

/** Prints the document in `format` (nix by `renderNix`); problems go to stderr too and make the exit status 1. */
export async function printClosure(doc: ClosureDocument, format: string, renderNix: () => string, quiet: boolean): Promise<number> {
  if (format === 'json') await writeStdout(`${JSON.stringify(doc, null, 2)}\n`);
  else if (format === 'nix') await writeStdout(renderNix());
  else await writeStdout(renderClosureList(doc));
  printIssues(doc.problems, doc.warnings, quiet);
  if (doc.problems.length > 0) return EXIT_FAIL;
  if (!quiet) process.stderr.write(`distrokit: ${doc.packages.length} packages in ${doc.groups.length} install groups\n`);
  return EXIT_OK;
}

/**
 * `--why PKG`: the chain as JSON ({why, chain}) or as indented lines; exit 1
 * when the closure has problems. A package not in the closure is the library's
 * NOT_IN_CLOSURE error (exit 1), printed after the problems that may explain it.
 */
export async function printWhy(explain: () => WhyDocument, doc: ClosureDocument, format: string, quiet: boolean): Promise<number> {
  let why: WhyDocument;
  try {
    why = explain();
  } catch (err) {
    printIssues(doc.problems, [], quiet);
    throw err;
  }
  await writeStdout(format === 'json' ? `${JSON.stringify(why, null, 2)}\n` : renderWhy(why));
  printIssues(doc.problems, doc.warnings, quiet);
  return doc.problems.length > 0 ? EXIT_FAIL : EXIT_OK;
}
