/** Test helper: collects readNar entries into NarNodes held in memory, to write them again. */
import { collectBytes } from '../../../formats/bytes.js';
import type { NarNode } from '../../../formats/nar/node.js';
import type { NarEntry } from '../../../formats/nar/reader.js';

type Built = NarNode & { children?: [Uint8Array, Built][] };

export async function narTreeOf(entries: AsyncIterable<NarEntry>): Promise<NarNode> {
  let root: Built | undefined;
  const dirs = new Map<string, Built>();
  for await (const e of entries) {
    let node: Built;
    if (e.type === 'regular') {
      const data = await collectBytes(e.body!);
      node = { type: 'regular', executable: e.executable!, size: e.size!, contents: async function* () { yield data; } };
    } else if (e.type === 'symlink') {
      node = { type: 'symlink', target: e.target! };
    } else {
      const children: [Uint8Array, Built][] = [];
      node = { type: 'directory', entries: () => children, children };
      dirs.set(e.names.map((n) => Buffer.from(n).toString('hex')).join('/'), node);
    }
    if (e.names.length === 0) root = node;
    else dirs.get(e.names.slice(0, -1).map((n) => Buffer.from(n).toString('hex')).join('/'))!.children!.push([e.names[e.names.length - 1]!, node]);
  }
  return root!;
}
