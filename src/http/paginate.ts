/**
 * Pagination of list routes: `max` (1 to MAX_PAGE, default DEFAULT_PAGE) and an opaque
 * `next` token from the previous page. Pages are cut from the list sorted by key, and
 * the token is the last key of the page, so a page never repeats or skips an item
 * that stayed in the list while the client paged.
 */
import { invalid } from '../core/errors.js';

/** DEFAULT_PAGE is a page's size when the client gives no `max`. */
export const DEFAULT_PAGE = 1000;
/** MAX_PAGE is the largest `max`. */
export const MAX_PAGE = 1000;
/** PAGE_PARAMS are the query parameters of every list route. */
export const PAGE_PARAMS = ['max', 'next'] as const;

/** Page is one page of a list, with the token of the next one when there is more. */
export interface Page<T> {
  items: T[];
  next?: string;
}

/** paginate cuts one page from `items` (any order) by their `key`, reading `max` and `next` from the query. */
export function paginate<T>(items: readonly T[], key: (t: T) => string, query: URLSearchParams): Page<T> {
  const maxRaw = query.get('max');
  let max = DEFAULT_PAGE;
  if (maxRaw !== null) {
    if (!/^\d{1,4}$/.test(maxRaw) || Number(maxRaw) < 1 || Number(maxRaw) > MAX_PAGE) throw invalid('max', `must be an integer 1-${MAX_PAGE}`);
    max = Number(maxRaw);
  }
  const nextRaw = query.get('next');
  let after: string | undefined;
  if (nextRaw !== null) {
    after = Buffer.from(nextRaw, 'base64url').toString('utf8');
    if (nextRaw.length === 0 || nextRaw.length > 2000 || Buffer.from(after, 'utf8').toString('base64url') !== nextRaw) throw invalid('next', 'is not a token from a previous page');
  }
  const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const from = after === undefined ? 0 : sorted.findIndex((t) => key(t) > after!);
  const rest = from < 0 ? [] : sorted.slice(from);
  const page = rest.slice(0, max);
  return rest.length > max ? { items: page, next: Buffer.from(key(page[page.length - 1]!), 'utf8').toString('base64url') } : { items: page };
}
