/**
 * `distrokit deb info FILE` and `distrokit rpm info FILE` (wired into the
 * deb and rpm groups): a package's metadata without unpacking its payload.
 */
import { parseArgs } from 'node:util';
import { readDeb, type DebArchive } from '../../formats/deb/reader.js';
import { fileSource } from '../tree/archive.js';
import { EXIT_OK, parseUsage, UsageError, writeStdout } from './common.js';

const DEB_HELP = `distrokit deb info — the control fields of a .deb

Usage: distrokit deb info FILE [--json]

Prints the fields of the control file as 'dpkg-deb -f FILE' does. With --json:
{fields: {Name: value…}, conffiles, md5sums count, controlFiles (maintainer
scripts and other control members), dataMember, dataCompression}.

Example:
  distrokit deb info bash_5.2.15-2+b7_amd64.deb
`;

/** The text 'dpkg-deb -f' prints: every control field as 'Name: value', continuation lines kept. */
export function debInfoText(deb: DebArchive): string {
  return deb.control.fields.map((f) => `${f.name}: ${f.value}\n`).join('');
}

export function debInfoJson(deb: DebArchive): Record<string, unknown> {
  return {
    format: deb.version,
    fields: Object.fromEntries(deb.control.fields.map((f) => [f.name, f.value])),
    conffiles: deb.control.conffiles,
    md5sums: deb.control.md5sums.size,
    controlFiles: [...deb.control.files.keys()].sort(),
    controlMember: deb.controlMember,
    dataMember: deb.dataMember,
    dataCompression: deb.dataCompression,
  };
}

export async function runDebInfo(args: string[]): Promise<number> {
  const { values, positionals } = parseUsage(() =>
    parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }),
  );
  if (values.help) return (process.stdout.write(DEB_HELP), EXIT_OK);
  if (positionals.length !== 1) throw new UsageError('deb info takes one FILE');
  const file = positionals[0]!;
  const deb = await readDeb(fileSource(file), { file });
  await writeStdout(values.json ? `${JSON.stringify(debInfoJson(deb), null, 2)}\n` : debInfoText(deb));
  return EXIT_OK;
}
