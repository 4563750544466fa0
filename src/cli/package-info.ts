/**
 * `distrokit deb info FILE` and `distrokit rpm info FILE` (wired into the
 * deb and rpm groups): a package's metadata without unpacking its payload.
 */
import { readDeb, type DebArchive } from '../../formats/deb/reader.js';
import { readRpm } from '../../formats/rpm/reader.js';
import type { RpmInfo } from '../../formats/rpm/info.js';
import { fileSource } from '../tree/archive.js';
import { EXIT_OK, writeStdout } from './common.js';
import { command } from './dispatch.js';
import { file } from './options.js';

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

export const debInfoCommand = command({
  name: 'info',
  summary: 'the control fields of a .deb (like dpkg-deb -f)',
  usage: 'FILE [--json]',
  description: `Prints the fields of the control file as 'dpkg-deb -f FILE' does. With --json:
{fields: {Name: value…}, conffiles, md5sums count, controlFiles (maintainer
scripts and other control members), dataMember, dataCompression}.`,
  options: {},
  positionals: { min: 1, max: 1, value: file },
  examples: ['distrokit deb info bash_5.2.15-2+b7_amd64.deb'],
  async run({ positionals, format }) {
    const file = positionals[0]!;
    const deb = await readDeb(fileSource(file), { file });
    await writeStdout(format === 'json' ? `${JSON.stringify(debInfoJson(deb), null, 2)}\n` : debInfoText(deb));
    return EXIT_OK;
  },
});

/** The same text as rpm -qp --qf RPM_INFO_QUERYFORMAT (the tests hold the two equal). */
export const RPM_INFO_QUERYFORMAT =
  'Name: %{NAME}\\nEpoch: %{EPOCH}\\nVersion: %{VERSION}\\nRelease: %{RELEASE}\\nArchitecture: %{ARCH}\\nSummary: %{SUMMARY}\\nLicense: %{LICENSE}\\n' +
  'Build time: %{BUILDTIME}\\nSize: %{LONGSIZE}\\nPayload: %{PAYLOADFORMAT} %{PAYLOADCOMPRESSOR}\\n' +
  '[Requires: %{REQUIRENAME} %{REQUIREFLAGS} %{REQUIREVERSION}\\n][Provides: %{PROVIDENAME} %{PROVIDEFLAGS} %{PROVIDEVERSION}\\n]' +
  '[Conflicts: %{CONFLICTNAME} %{CONFLICTFLAGS} %{CONFLICTVERSION}\\n][Obsoletes: %{OBSOLETENAME} %{OBSOLETEFLAGS} %{OBSOLETEVERSION}\\n]';

export function rpmInfoText(info: RpmInfo): string {
  const none = (v: string | number | undefined) => (v === undefined ? '(none)' : String(v));
  const lines = [
    `Name: ${info.name}`,
    `Epoch: ${none(info.epoch)}`,
    `Version: ${info.version}`,
    `Release: ${info.release}`,
    `Architecture: ${info.arch}`,
    `Summary: ${none(info.summary)}`,
    `License: ${none(info.license)}`,
    `Build time: ${none(info.buildTime)}`,
    `Size: ${none(info.size)}`,
    `Payload: ${info.payloadFormat} ${info.payloadCompressor}`,
  ];
  const deps = (label: string, list: RpmInfo['requires']) => list.map((d) => `${label}: ${d.name} ${d.flags} ${d.version}`);
  lines.push(...deps('Requires', info.requires), ...deps('Provides', info.provides), ...deps('Conflicts', info.conflicts), ...deps('Obsoletes', info.obsoletes));
  return `${lines.join('\n')}\n`;
}

export const rpmInfoCommand = command({
  name: 'info',
  summary: 'the header of an .rpm (like rpm -qp --qf)',
  usage: 'FILE [--json]',
  description: `Prints name, epoch, version, release, arch, summary, license, build time,
size, payload format and compressor, then Requires/Provides/Conflicts/Obsoletes
with their flags and versions. With --json: the whole parsed header
({name, epoch, version, release, arch, requires: [{name, flags, version}],
files: [{path, size, mode, mtime, digest, linkTarget, flags, user, group}],
scriptlets, …}).`,
  options: {},
  positionals: { min: 1, max: 1, value: file },
  examples: ['distrokit rpm info hello-2.12-1.x86_64.rpm'],
  async run({ positionals, format }) {
    const file = positionals[0]!;
    const rpm = await readRpm(fileSource(file), { file });
    await writeStdout(format === 'json' ? `${JSON.stringify({ ...rpm.info, payloadCompression: rpm.payloadCompression }, null, 2)}\n` : rpmInfoText(rpm.info));
    return EXIT_OK;
  },
});
