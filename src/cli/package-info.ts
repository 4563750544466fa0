/**
 * `distrokit deb info FILE` and `distrokit rpm info FILE` (declared in deb.ts
 * and rpm.ts, loaded only when run): a package's metadata without unpacking
 * its payload.
 */
import { readDeb, type DebArchive } from '../../formats/deb/reader.js';
import { readRpm } from '../../formats/rpm/reader.js';
import type { RpmInfo } from '../../formats/rpm/info.js';
import { fileSource } from '../tree/archive.js';
import { EXIT_OK, writeStdout } from './common.js';

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

/** `deb info FILE`: the control fields as text, or the JSON of debInfoJson. */
export async function runDebInfo(file: string, json: boolean): Promise<number> {
  const deb = await readDeb(fileSource(file), { file });
  await writeStdout(json ? `${JSON.stringify(debInfoJson(deb), null, 2)}\n` : debInfoText(deb));
  return EXIT_OK;
}

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

/** `rpm info FILE`: the header as rpm -qp --qf RPM_INFO_QUERYFORMAT prints it, or as JSON. */
export async function runRpmInfo(file: string, json: boolean): Promise<number> {
  const rpm = await readRpm(fileSource(file), { file });
  await writeStdout(json ? `${JSON.stringify({ ...rpm.info, payloadCompression: rpm.payloadCompression }, null, 2)}\n` : rpmInfoText(rpm.info));
  return EXIT_OK;
}
