/** The tokenizer's well-formedness checks against libxml2 (xmllint) on small documents, whole and in 1-byte chunks. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DistrokitError } from '../../../formats/errors.js';
import { XmlTokenizer } from '../../../formats/repodata/xml-tokenizer.js';

const DOCS: Record<string, string> = {
  plain: '<a><b x="1" y=\'2\'>t</b></a>',
  declaration: '<?xml version="1.0" encoding="UTF-8"?>\n<a/>',
  comment: '<!-- c --><a><!-- in --></a><!-- after -->',
  'comment with --': '<a><!-- a -- b --></a>',
  pi: '<a><?target data?></a>',
  doctype: '<!DOCTYPE a>\n<a/>',
  'doctype with subset': '<!DOCTYPE a [ <!ELEMENT a ANY> ]>\n<a/>',
  cdata: '<a><![CDATA[<not> & markup]]></a>',
  'cdata outside root': '<![CDATA[x]]><a/>',
  'predefined entities': '<a t="&lt;&gt;&amp;&quot;&apos;">&lt;&amp;&gt;</a>',
  'character references': '<a t="&#65;&#x42;">&#x1F600;&#10;</a>',
  'undefined entity': '<a>&nbsp;</a>',
  'entity named like an object property': '<a t="&toString;">&constructor;</a>',
  'bare ampersand': '<a>fish & chips</a>',
  'bad character reference': '<a>&#0;</a>',
  'lt in attribute': '<a t="<"/>',
  'unquoted attribute': '<a t=1/>',
  'attribute without value': '<a t/>',
  'duplicate attribute': '<a t="1" t="2"/>',
  'no space between attributes': '<a x="1"y="2"/>',
  'mismatched close': '<a><b></a></b>',
  'unclosed root': '<a><b/>',
  'close without open': '</a>',
  'second root': '<a/><b/>',
  'text after root': '<a/>x',
  'text before root': 'x<a/>',
  'cdata end in text': '<a>]]></a>',
  'bad name': '<1a/>',
  'non-ascii names': '<ä ö="ü">ß</ä>',
  prefixes: '<r:a xmlns:r="urn:x"><r:b r:c="d"/></r:a>',
  'close tag with another prefix': '<r:a xmlns:r="urn:x" xmlns:x="urn:x"></x:a>',
  'whitespace in tags': '<a  x = "1"\n\t y="2" ></a >',
  empty: '',
  'only whitespace': '  \n',
  'truncated tag': '<a><b x="1',
  'truncated comment': '<a><!-- c',
  'space before name': '< a/>',
  'non-ascii text, values and references': '<a t="é&amp;&#233;x" u="😀\tß">ü&lt;&#x1F600;ß<![CDATA[ä]]></a>',
  'non-ascii before an error on the line': '<a>\n  <b t="ä😀"></c>\n</a>',
  'non-ascii close tag mismatch': '<ä></ö>',
  'names longer than the intern table packs': '<a-very-long-element-name some-long-attribute-name="1"><a-very-long-element-name/></a-very-long-element-name>',
  'long close tag mismatch': '<a-very-long-element-name></a-very-long-element-nam>',
};

function libxmlAccepts(dir: string, name: string, text: string): boolean {
  const file = join(dir, `${name.replace(/\W+/g, '_')}.xml`);
  writeFileSync(file, text);
  try {
    execFileSync('xmllint', ['--noout', file], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Feeds `text` as text (chunks of `chunk` characters) or, with `bytes`, as UTF-8 bytes (chunks of `chunk` bytes). */
function tokenize(text: string, chunk: number, bytes = false): { events: string[]; error: DistrokitError | null } {
  const events: string[] = [];
  const tk = new XmlTokenizer(
    {
      open: (n, a) => events.push(`<${n}${a.length ? ` ${a.join('=')}` : ''}>`),
      close: (n) => events.push(`</${n}>`),
      text: (t) => events.push(`T:${t}`),
    },
    'doc.xml',
  );
  try {
    if (bytes) {
      const utf8 = Buffer.from(text, 'utf8');
      for (let i = 0; i < utf8.length; i += chunk) tk.writeBytes(utf8.subarray(i, i + chunk));
    } else for (let i = 0; i < text.length; i += chunk) tk.write(text.slice(i, i + chunk));
    tk.end();
    return { events, error: null };
  } catch (err) {
    if (!(err instanceof DistrokitError)) throw err;
    return { events, error: err };
  }
}

/** Adjacent text events are one text node split by chunking. */
function merged(events: string[]): string[] {
  const out: string[] = [];
  for (const e of events) {
    const prev = out[out.length - 1];
    if (prev !== undefined && prev.startsWith('T:') && e.startsWith('T:')) out[out.length - 1] = prev + e.slice(2);
    else out.push(e);
  }
  return out;
}

describe('XmlTokenizer', () => {
  it('accepts and rejects exactly what libxml2 does, whole and in 1-byte chunks', () => {
    const dir = mkdtempSync(join(tmpdir(), 'xmltok-'));
    try {
      for (const [name, text] of Object.entries(DOCS)) {
        const expected = libxmlAccepts(dir, name, text);
        const whole = tokenize(text, Number.MAX_SAFE_INTEGER);
        const bytewise = tokenize(text, 1);
        expect({ name, accepted: whole.error === null }).toEqual({ name, accepted: expected });
        expect({ name, accepted: bytewise.error === null }).toEqual({ name, accepted: expected });
        if (whole.error) {
          expect(['XML_MALFORMED', 'XML_TRUNCATED']).toContain(whole.error.code);
          expect(bytewise.error!.code).toBe(whole.error.code);
          expect(bytewise.error!.data.line).toBe(whole.error.data.line);
        } else expect(merged(bytewise.events)).toEqual(merged(whole.events));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads UTF-8 bytes exactly as text: events, errors, lines and columns, whole and in 1-byte chunks', () => {
    for (const [name, text] of Object.entries(DOCS)) {
      const expected = tokenize(text, Number.MAX_SAFE_INTEGER);
      for (const chunk of [Number.MAX_SAFE_INTEGER, 1, 2, 3]) {
        const got = tokenize(text, chunk, true);
        // Events before an error depend on where the chunks end; a rejected document is compared by its error.
        if (!expected.error) expect({ name, chunk, events: merged(got.events) }).toEqual({ name, chunk, events: merged(expected.events) });
        expect({ name, chunk, error: got.error && { code: got.error.code, message: got.error.message, ...got.error.data } }).toEqual({
          name,
          chunk,
          error: expected.error && { code: expected.error.code, message: expected.error.message, ...expected.error.data },
        });
      }
    }
  });

  it('decodes non-ASCII text and references together, and counts columns in characters', () => {
    const doc = DOCS['non-ascii text, values and references']!;
    expect(merged(tokenize(doc, 1, true).events)).toEqual(['<a t=é&éx=u=😀 ß>', 'T:ü<😀ßä', '</a>']);
    const { error } = tokenize(DOCS['non-ascii before an error on the line']!, 1, true);
    // "  <b t=\"ä😀\">" is 13 UTF-16 code units (😀 is two), so </c> starts at column 14.
    expect(error!.data).toMatchObject({ line: 2, column: 14 });
    expect(tokenize(DOCS['non-ascii close tag mismatch']!, 1, true).error!.message).toBe('doc.xml:1:4: close tag </ö> does not match <ä>');
  });

  it('reads bytes right whether the caller hands out windows of one buffer or reuses its memory between calls', () => {
    const text = `<r>${DOCS['non-ascii text, values and references']}<b x="yyyyyyyyyyyy">zzzzzzzzzzzz</b></r>`;
    const utf8 = Buffer.from(text, 'utf8');
    const expected = tokenize(text, Number.MAX_SAFE_INTEGER).events;
    const run = (feed: (tk: XmlTokenizer) => void): string[] => {
      const events: string[] = [];
      const tk = new XmlTokenizer(
        { open: (n, a) => events.push(`<${n}${a.length ? ` ${a.join('=')}` : ''}>`), close: (n) => events.push(`</${n}>`), text: (t) => events.push(`T:${t}`) },
        'doc.xml',
      );
      feed(tk);
      tk.end();
      return merged(events);
    };
    for (const size of [1, 2, 5, 11]) {
      // Adjacent windows of one buffer: the carried tail is used in place.
      expect(
        run((tk) => {
          for (let i = 0; i < utf8.length; i += size) tk.writeBytes(utf8.subarray(i, i + size));
        }),
      ).toEqual(merged(expected));
      // One scratch buffer overwritten for every call: the carried tail must have been copied.
      const scratch = Buffer.alloc(size * 2);
      expect(
        run((tk) => {
          for (let i = 0; i < utf8.length; i += size) {
            const n = utf8.copy(scratch, size, i, Math.min(i + size, utf8.length));
            tk.writeBytes(scratch.subarray(size, size + n));
            scratch.fill(0x3c);
          }
        }),
      ).toEqual(merged(expected));
    }
  });

  it('reports the local part of every name, prefixed or not, short, long or non-ASCII', () => {
    const known = ['entry', 'metadata'];
    const doc = '<metadata xmlns:rpm="u" xmlns:r="u"><rpm:entry/><r:entry></r:entry><entry/><rpm:a-rather-long-element-name/><ä:ö xmlns:ä="u"/></metadata>';
    for (const bytes of [false, true]) {
      const seen: string[][] = [];
      const tk = new XmlTokenizer({ open: (q, _a, l) => seen.push(['open', q, l]), close: (q, l) => seen.push(['close', q, l]), text: () => {} }, 'doc.xml', known);
      if (bytes) tk.writeBytes(Buffer.from(doc, 'utf8'));
      else tk.write(doc);
      tk.end();
      const long = 'a-rather-long-element-name';
      expect(seen).toEqual([
        ['open', 'metadata', 'metadata'],
        ['open', 'rpm:entry', 'entry'],
        ['close', 'rpm:entry', 'entry'],
        ['open', 'r:entry', 'entry'],
        ['close', 'r:entry', 'entry'],
        ['open', 'entry', 'entry'],
        ['close', 'entry', 'entry'],
        ['open', `rpm:${long}`, long],
        ['close', `rpm:${long}`, long],
        ['open', 'ä:ö', 'ö'],
        ['close', 'ä:ö', 'ö'],
        ['close', 'metadata', 'metadata'],
      ]);
    }
  });

  it('hands out each name exactly, with more distinct names than the intern table has slots', () => {
    // Names of every length up to past the packed limit, differing in one character, repeated so slots are reused and overwritten.
    const names = Array.from({ length: 10000 }, (_, i) => `n${'x'.repeat(i % 17)}${i.toString(36)}`);
    const doc = `<root>${[...names, ...names].map((n) => `<${n} ${n}="v"/>`).join('')}</root>`;
    for (const bytes of [false, true]) {
      const { events, error } = tokenize(doc, 7, bytes);
      expect(error).toBeNull();
      const expected = ['<root>', ...[...names, ...names].flatMap((n) => [`<${n} ${n}=v>`, `</${n}>`]), '</root>'];
      expect(events).toEqual(expected);
    }
  });

  it('decodes references and normalises attribute whitespace', () => {
    expect(merged(tokenize(DOCS['predefined entities']!, 1).events)).toEqual(['<a t=<>&"\'>', 'T:<&>', '</a>']);
    expect(merged(tokenize(DOCS['character references']!, 3).events)).toEqual(['<a t=AB>', 'T:😀\n', '</a>']);
    expect(tokenize('<a t="x\ny\tz"/>', 1).events).toEqual(['<a t=x y z>', '</a>']);
  });

  it('reports the line and column of the offending construct', () => {
    const { error } = tokenize('<a>\n  <b>\n  </c>\n</a>', 1);
    expect(error!.data).toMatchObject({ file: 'doc.xml', line: 3, column: 3 });
    expect(error!.message).toContain('</c>');
  });
});
