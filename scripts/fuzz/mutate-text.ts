/** Line- and token-level mutations for the text inputs: Packages indexes, XML repodata, initrd specs. */
import type { Rng } from './prng.js';
import type { Mutated } from './mutate-bytes.js';

const enc = new TextEncoder();
// latin1 keeps every byte as one char, so a text mutation never changes the bytes it does not touch.
const dec = new TextDecoder('latin1');

const HUGE_NUMBERS = ['99999999999999999999999', '-1', '-99999', '0', '4294967296', '9007199254740993', '1e308', '0x7fffffff', '00000000000000000012', 'NaN', '1.5'];
const ODD_SNIPPETS = ['\0', '\r', '\r\n', '\t', ' ', '\u00ff\u00fe', '\u00e2\u0080\u00ae', ':', '::', ',', '|', '(', ')', '<', '>', '&', '"', "'", '=', '\\', '\n \n', '\n\n', '\n.\n'];
const XML_SNIPPETS = [
  '&#0;',
  '&#xD800;',
  '&bogus;',
  '&amp',
  '<![CDATA[x]]>',
  '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>',
  '<!-- -->',
  '<?pi x?>',
  '</package>',
  '<package type="rpm">',
  '<rpm:entry name="x" flags="GT" epoch="-1" ver="" rel=""/>',
  '<rpm:entry name="x" flags="BOGUS"/>',
  '<file type="dir">/</file>',
  '<file>../../x</file>',
  '<location href="../../../etc/passwd"/>',
  '<version epoch="99999999999999999999" ver="1" rel="1"/>',
  '<a x="1" x="2"/>',
  '<x:y xmlns:x="z"/>',
];

type TextMutator = (rng: Rng, text: string) => { text: string; what: string };

function lines(text: string): string[] {
  return text.split('\n');
}

const deleteLine: TextMutator = (rng, text) => {
  const ls = lines(text);
  const i = rng.int(ls.length);
  const n = rng.pick([1, 1, 2, 5]);
  ls.splice(i, n);
  return { text: ls.join('\n'), what: `delete ${n} line(s) at ${i + 1}` };
};

const duplicateLine: TextMutator = (rng, text) => {
  const ls = lines(text);
  const i = rng.int(ls.length);
  const n = rng.pick([1, 1, 3, 10]);
  const block = ls.slice(i, i + n);
  // At most ~8 MiB of copies: a 1000-fold copy of an already long line would not fit in memory.
  const blockLength = block.reduce((sum, l) => sum + l.length + 1, 0);
  const times = Math.max(1, Math.min(rng.pick([1, 2, 1000]), Math.floor((8 << 20) / Math.max(1, blockLength))));
  ls.splice(i, 0, ...Array.from({ length: times }, () => block).flat());
  return { text: ls.join('\n'), what: `duplicate ${n} line(s) at ${i + 1} x${times}` };
};

const swapLines: TextMutator = (rng, text) => {
  const ls = lines(text);
  const i = rng.int(ls.length);
  const j = rng.int(ls.length);
  [ls[i], ls[j]] = [ls[j]!, ls[i]!];
  return { text: ls.join('\n'), what: `swap lines ${i + 1} and ${j + 1}` };
};

const replaceNumber: TextMutator = (rng, text) => {
  const matches = [...text.matchAll(/\d+/g)];
  if (matches.length === 0) return { text, what: 'replace number (none)' };
  const m = rng.pick(matches);
  const value = rng.pick(HUGE_NUMBERS);
  return { text: text.slice(0, m.index) + value + text.slice(m.index! + m[0].length), what: `number ${m[0]} at ${m.index} → ${value}` };
};

const insertSnippet: TextMutator = (rng, text) => {
  const at = rng.int(text.length + 1);
  const xml = /<\?xml|<metadata|<repomd|<filelists/.test(text.slice(0, 400));
  const snippet = xml && rng.chance(0.6) ? rng.pick(XML_SNIPPETS) : rng.pick(ODD_SNIPPETS);
  return { text: text.slice(0, at) + snippet + text.slice(at), what: `insert ${JSON.stringify(snippet)} at ${at}` };
};

const longLine: TextMutator = (rng, text) => {
  const at = rng.int(text.length + 1);
  const n = rng.pick([4096, 65537, 1 << 20]);
  const ch = rng.pick(['a', ' ', '(', '<', ',', '|']);
  return { text: text.slice(0, at) + ch.repeat(n) + text.slice(at), what: `insert ${n} × ${JSON.stringify(ch)} at ${at}` };
};

/** Swaps one word for another word of the same input (a package name where a version was, …). */
const swapToken: TextMutator = (rng, text) => {
  const words = [...text.matchAll(/[A-Za-z0-9_.+~:-]+/g)];
  if (words.length < 2) return { text, what: 'swap token (none)' };
  const a = rng.pick(words);
  const b = rng.pick(words);
  return { text: text.slice(0, a.index) + b[0] + text.slice(a.index! + a[0].length), what: `token ${JSON.stringify(a[0])} at ${a.index} → ${JSON.stringify(b[0])}` };
};

const deepNesting: TextMutator = (rng, text) => {
  const at = rng.int(text.length + 1);
  const n = rng.pick([1000, 100_000]);
  const xml = text.includes('<');
  const open = xml ? '<a>'.repeat(n) : '('.repeat(n);
  return { text: text.slice(0, at) + open + text.slice(at), what: `insert ${n}-deep nesting at ${at}` };
};

export const TEXT_MUTATORS: Record<string, TextMutator> = {
  deleteLine,
  duplicateLine,
  swapLines,
  replaceNumber,
  insertSnippet,
  longLine,
  swapToken,
  deepNesting,
};

export function mutateText(rng: Rng, data: Uint8Array): Mutated {
  let text = dec.decode(data);
  const whats: string[] = [];
  const n = rng.pick([1, 1, 2, 3]);
  // Stacked duplications can grow a text a thousandfold; past 8 MiB stop stacking (the case must stay quick to prepare).
  for (let i = 0; i < n && text.length < 8 << 20; i++) {
    const m = TEXT_MUTATORS[rng.pick(Object.keys(TEXT_MUTATORS))]!(rng, text);
    text = m.text;
    whats.push(m.what);
  }
  return { data: latin1(text), what: `text: ${whats.join('; ')}` };
}

/** Encodes a string whose chars are all < 256 back to the same bytes (snippets above U+00FF are UTF-8 encoded). */
export function latin1(text: string): Uint8Array {
  if (/^[\u0000-\u00ff]*$/.test(text)) return new Uint8Array(Buffer.from(text, 'latin1'));
  return enc.encode(text);
}
