/**
 * The download progress line on stderr (bytes, rate, ETA), made from the
 * engine's events; shown only on a terminal and never with --json (the
 * Progress class decides).
 */
import type { DownloadEvent } from '../fetch/download.js';
import { Progress } from './common.js';

const MiB = 1024 * 1024;

/** A handler of download events printing `fetch: 12/110 files, 8.1/40.2 MiB, 3.2 MiB/s, ETA 10s`, and its end. */
export function downloadProgressPrinter(total: { files: number; bytes: number }, opts: { json: boolean }): { onEvent: (e: DownloadEvent) => void; done: () => void } {
  const progress = new Progress({ json: opts.json });
  const started = Date.now();
  let files = 0;
  let bytes = 0;
  let fetchedBytes = 0;
  const render = (force = false) => {
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? fetchedBytes / seconds : 0;
    // A retried file counts its bytes again: cap what is shown at the total.
    const shown = Math.min(bytes, total.bytes || bytes);
    const left = Math.max(0, total.bytes - shown);
    const eta = rate > 0 && total.bytes > 0 ? `, ETA ${Math.ceil(left / rate)}s` : '';
    progress.update(`fetch: ${files}/${total.files} files, ${(shown / MiB).toFixed(1)}/${(total.bytes / MiB).toFixed(1)} MiB, ${(rate / MiB).toFixed(1)} MiB/s${eta}`, force);
  };
  return {
    onEvent(e) {
      if (e.type === 'data') {
        bytes += e.bytes;
        fetchedBytes += e.bytes;
      } else if (e.type === 'done') {
        files++;
        // A file taken from the cache counts whole; a fetched one has counted its bytes already.
        if (!e.fetched) bytes += e.item.size ?? 0;
      }
      render(e.type === 'done' && files === total.files);
    },
    done: () => progress.done(),
  };
}
