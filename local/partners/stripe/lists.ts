import type Stripe from 'stripe';
import { invalidRequest, noSuchObject } from './errors';
import type { Parameters, Range } from './form';

/**
 * Stripe's cursor pagination over a newest-first list: `limit` 1..100 (default 10), `starting_after` or `ending_before`.
 * `keep` is the endpoint's filters. A cursor is a position in the whole list, not in the filtered one, so an object
 * the filters leave out still marks where a page starts, as with Stripe; only an id that does not exist is refused.
 */
export function page<T extends { id: string }>(
  newestFirst: readonly T[],
  p: Parameters,
  url: string,
  kind: string,
  keep: (item: T) => boolean = () => true,
): Stripe.ApiList<T> {
  const limit = p.integer('limit', { min: 1, max: 100 }) ?? 10;
  const after = p.string('starting_after');
  const before = p.string('ending_before');
  if (after !== undefined && before !== undefined)
    throw invalidRequest('You may only specify one of these parameters: ending_before, starting_after.', 'ending_before', 'parameters_exclusive');
  const indexOf = (id: string, param: string) => {
    const i = newestFirst.findIndex((item) => item.id === id);
    if (i < 0) throw noSuchObject(kind, id, param, 400);
    return i;
  };
  if (before !== undefined) {
    // The page ends next to the cursor: the `limit` objects just newer than it, still listed newest first.
    const newer = newestFirst.slice(0, indexOf(before, 'ending_before')).filter(keep);
    const start = Math.max(0, newer.length - limit);
    return { object: 'list', data: newer.slice(start), has_more: start > 0, url };
  }
  const older = newestFirst.slice(after !== undefined ? indexOf(after, 'starting_after') + 1 : 0).filter(keep);
  return { object: 'list', data: older.slice(0, limit), has_more: older.length > limit, url };
}

/** The `created` filter of a list endpoint (`created=<unix seconds>` or `created[gt|gte|lt|lte]=…`); everything passes without one. */
export function createdFilter(p: Parameters): (item: { created: number }) => boolean {
  const range = p.range('created');
  return range ? (item) => inRange(item.created, range) : () => true;
}

function inRange(value: number, { gt, gte, lt, lte }: Range): boolean {
  return (gt === undefined || value > gt) && (gte === undefined || value >= gte) && (lt === undefined || value < lt) && (lte === undefined || value <= lte);
}
