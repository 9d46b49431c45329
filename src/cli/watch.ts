/**
 * The loop behind `grapevine discover --watch`: blocking queries (index + wait), one
 * print per change, and, while the daemon is down or restarting, retries with
 * exponential backoff that say so on stderr instead of exiting.
 */
import { CliError, type ApiClient } from './client.js';

/** WATCH_BACKOFF_MIN_MS and WATCH_BACKOFF_MAX_MS bound the pause between retries while the daemon is unreachable. */
export const WATCH_BACKOFF_MIN_MS = 250;
export const WATCH_BACKOFF_MAX_MS = 10_000;
/** WATCH_WAIT is the blocking query's wait. */
const WATCH_WAIT = '5m';

/** WatchOptions say what to watch and where the output goes. */
export interface WatchOptions {
  client: ApiClient;
  /** path is the discover path with its query (without index and wait). */
  path: string;
  query: URLSearchParams;
  show: (answer: any) => void;
  warn: (line: string) => void;
}

/** sameAnswer compares two discover answers by content (order aside) and index. */
function sameAnswer(a: any, b: any): boolean {
  const norm = (r: any) => JSON.stringify([r.revision, [...(r.instances ?? [])].sort((x: any, y: any) => (x.id < y.id ? -1 : 1))]);
  return norm(a) === norm(b);
}

/** watchDiscover prints the answer, then again at every change; it never returns on its own (Ctrl-C stops it). */
export async function watchDiscover(o: WatchOptions): Promise<never> {
  let last: any;
  let backoffMs = WATCH_BACKOFF_MIN_MS;
  let down = false;
  for (;;) {
    const q = new URLSearchParams(o.query);
    // After a failure, ask without blocking first: the answer says the daemon is back (and shows what changed meanwhile).
    if (last && !down) {
      q.set('index', String(last.revision));
      q.set('wait', WATCH_WAIT);
    }
    try {
      const r = await o.client.call('GET', `${o.path}?${q}`, undefined, 6 * 60_000);
      if (down) {
        o.warn(`reconnected to the daemon at ${o.client.base}`);
        down = false;
        backoffMs = WATCH_BACKOFF_MIN_MS;
      }
      if (!last || !sameAnswer(last, r)) o.show(r);
      last = r;
    } catch (e) {
      if (e instanceof CliError && e.code === 'InvalidInput') throw e;
      const why = e instanceof Error ? e.message : String(e);
      o.warn(`${down ? 'still ' : ''}cannot watch: ${e instanceof CliError ? `${e.code}: ` : ''}${why}; retrying in ${backoffMs} ms`);
      down = true;
      await new Promise((r) => setTimeout(r, backoffMs));
      backoffMs = Math.min(WATCH_BACKOFF_MAX_MS, backoffMs * 2);
    }
  }
}
