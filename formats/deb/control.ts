/**
 * The control-field parsing of a .deb's `control` file: fields in file
 * order, continuation lines kept verbatim (joined with '\n'). This is not
 * formats/deb822 on purpose: deb822 trims trailing blanks of a value's first
 * line, dpkg-deb -f keeps them (e.g. libgdbm-compat4's Description), and
 * `deb info` must print what dpkg-deb -f prints.
 */
import { DistrokitError } from '../errors.js';

export interface ControlField {
  name: string;
  /** The value as written (as dpkg-deb -f prints it): the first line without leading blanks, trailing blanks and continuation lines verbatim. */
  value: string;
}

export function parseControlFields(text: string, file?: string): ControlField[] {
  const fields: ControlField[] = [];
  const lines = text.split('\n');
  let seenStanza = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') {
      // One stanza only: a blank line after fields ends it; later text is ignored as dpkg does.
      if (seenStanza) break;
      continue;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) {
      const last = fields[fields.length - 1];
      if (!last) throw new DistrokitError('DEB_BAD_CONTROL', 'continuation line before any field', { file, line: i + 1, column: 1 });
      last.value += `\n${line}`;
      continue;
    }
    if (line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new DistrokitError('DEB_BAD_CONTROL', `line is not 'Field: value': '${line.slice(0, 60)}'`, { file, line: i + 1, column: 1 });
    const name = line.slice(0, colon);
    if (/\s/.test(name)) throw new DistrokitError('DEB_BAD_CONTROL', `field name '${name}' contains white space`, { file, line: i + 1, column: 1 });
    fields.push({ name, value: line.slice(colon + 1).replace(/^[ \t]+/, '') });
    seenStanza = true;
  }
  return fields;
}

/** A field's value by case-insensitive name. */
export function controlField(fields: ControlField[], name: string): string | undefined {
  const lower = name.toLowerCase();
  return fields.find((f) => f.name.toLowerCase() === lower)?.value;
}
