/**
 * The one block format behind exportReferencesGraph files, `nix-store
 * --dump-db`/`--load-db` and closureInfo's `registration` (Nix's
 * decodeValidPathInfo / makeValidityRegistration, nixpkgs' pathsFromGraph):
 *
 *   <store path>
 *   <narHash>        } only with hashes (load-db); base-16, base-32 or base-64,
 *   <narSize>        } with or without 'sha256:', as Nix's Hash::parseAny takes
 *   <deriver or empty line>
 *   <reference count>
 *   <reference>…     (count lines)
 */
import { DistrokitError } from '../../formats/errors.js';
import { nixBase32Decode, nixBase32Encode } from '../../formats/nar/base32.js';
import type { StorePathInfo } from './path-info.js';

/** 'graph': no hash lines (exportReferencesGraph, register-validity); 'load-db': with narHash and narSize. */
export type BlockFormat = 'graph' | 'load-db';

/**
 * A narHash line as 'sha256:<nix base-32>', or undefined for the all-zero
 * placeholder older pathsFromGraph versions printed. Null if not a sha256.
 */
export function normaliseNarHash(text: string): string | undefined | null {
  let rest = text;
  let sri = false;
  if (rest.startsWith('sha256:')) rest = rest.slice(7);
  else if (rest.startsWith('sha256-')) {
    rest = rest.slice(7);
    sri = true;
  }
  let bytes: Uint8Array | null = null;
  if (!sri && /^[0-9a-fA-F]{64}$/.test(rest)) bytes = Uint8Array.from(Buffer.from(rest, 'hex'));
  else if (!sri && rest.length === 52) {
    try {
      bytes = nixBase32Decode(rest, 32);
    } catch {
      return null;
    }
  } else if (/^[A-Za-z0-9+/]{43}=$/.test(rest)) bytes = Uint8Array.from(Buffer.from(rest, 'base64'));
  if (!bytes || bytes.byteLength !== 32) return null;
  if (bytes.every((b) => b === 0)) return undefined;
  return `sha256:${nixBase32Encode(bytes)}`;
}

function malformed(message: string, file: string, line: number, entry?: string): DistrokitError {
  return new DistrokitError('STORE_GRAPH_MALFORMED', message, { file, line, ...(entry !== undefined && { entry }) });
}

/** Parses every block of `text`; `file` names it in errors (with 1-based lines). */
export function parseBlocks(text: string, file: string, format: BlockFormat): StorePathInfo[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const out: StorePathInfo[] = [];
  let i = 0;
  const next = (what: string, start: number, path: string): string => {
    if (i >= lines.length) throw malformed(`the block of '${path}' (line ${start}) ends before its ${what}`, file, i + 1, path);
    return lines[i++]!;
  };
  while (i < lines.length) {
    const start = i + 1;
    const path = lines[i++]!;
    if (path === '') throw malformed('empty line where a store path should start a block', file, start);
    const info: StorePathInfo = { path, deriver: '', references: [], origin: { file, line: start } };
    if (format === 'load-db') {
      const hashText = next('narHash line', start, path);
      const hash = normaliseNarHash(hashText);
      if (hash === null) throw malformed(`narHash '${hashText}' of '${path}' is not a sha256 in base-16, base-32 or base-64`, file, i, path);
      const sizeText = next('narSize line', start, path);
      if (!/^[0-9]+$/.test(sizeText)) throw malformed(`narSize '${sizeText}' of '${path}' is not a number`, file, i, path);
      // The zero hash is a placeholder (old pathsFromGraph): its size says nothing either.
      if (hash !== undefined) {
        info.narHash = hash;
        info.narSize = BigInt(sizeText);
      }
    }
    info.deriver = next('deriver line', start, path);
    const countText = next('reference count', start, path);
    if (!/^[0-9]+$/.test(countText)) throw malformed(`reference count '${countText}' of '${path}' is not a number`, file, i, path);
    const count = Number(countText);
    for (let k = 0; k < count; k++) {
      const ref = next(`reference ${k + 1} of ${count}`, start, path);
      if (ref === '') throw malformed(`reference ${k + 1} of '${path}' is an empty line`, file, i, path);
      info.references.push(ref);
    }
    out.push(info);
  }
  return out;
}

const sameSet = (a: string[], b: string[]) => {
  const s = new Set(a);
  return s.size === new Set(b).size && b.every((x) => s.has(x));
};

/** Adds blocks to `infos`; a path described again must be described the same (several closure-* files share paths). */
export function mergeBlocks(infos: Map<string, StorePathInfo>, blocks: StorePathInfo[]): void {
  for (const info of blocks) {
    const seen = infos.get(info.path);
    if (!seen) {
      infos.set(info.path, info);
      continue;
    }
    const differs = !sameSet(seen.references, info.references) ? 'references' : info.narHash && seen.narHash && info.narHash !== seen.narHash ? 'narHash' : null;
    if (differs) {
      const where = seen.origin ? ` (first at ${seen.origin.file}:${seen.origin.line})` : '';
      throw new DistrokitError('STORE_GRAPH_CONFLICT', `'${info.path}' is described twice with different ${differs}${where}`, { ...info.origin, entry: info.path });
    }
    seen.narHash ??= info.narHash;
    seen.narSize ??= info.narSize;
    if (!seen.deriver) seen.deriver = info.deriver;
  }
}
