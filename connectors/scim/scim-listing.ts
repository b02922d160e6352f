// Reading SCIM lists (RFC 7644 §3.4.2) so that an answer is either the whole truth or an error:
// pages are followed by startIndex until totalResults, `count` is never sent (some servers reject
// it, and lookups by a unique attribute need no page size), and a filter the server ignores or does
// not support is noticed and replaced by a client-side scan rather than read as "nothing found".
import { UnverifiableError } from '../errors';
import { ScimRequestError, type ScimHttp } from './scim-http';

export type ScimResource = { id: string } & Record<string, unknown>;
export type Collection = 'Users' | 'Groups';

/** Whether the server's filter on a collection can be relied on, as learned from its answers. */
export type FilterTrust = 'unknown' | 'works' | 'unusable';

/** Pages read at most for one listing: past this the answer is not taken for complete. */
const MAX_PAGES = 10_000;

interface ListBody {
  totalResults?: unknown;
  startIndex?: unknown;
  Resources?: unknown;
}

/** One page of a list as the server answered it. */
export interface ListPage<T> {
  resources: T[];
  /** totalResults, where the server says it. */
  total: number | undefined;
  /** The startIndex the server says the page begins at, where it says it. */
  startIndex: number | undefined;
}

export class ScimListing {
  /** What each collection's filter has shown it can do, shared by every call to this application. */
  readonly filterTrust: Record<Collection, FilterTrust> = { Users: 'unknown', Groups: 'unknown' };
  /** Set once the server refused (400) a list that carried `count` and took it without: never sent again. */
  private countRefused = false;

  constructor(
    private readonly appId: string,
    private readonly http: ScimHttp,
    /** False when the server says (ServiceProviderConfig) that it supports no filter at all. */
    private readonly filtersSupported: () => boolean,
  ) {}

  /** Every resource of a listing, following pages until the server's totalResults is reached. */
  async all<T extends ScimResource>(
    collection: Collection,
    params: Record<string, string> = {},
  ): Promise<T[]> {
    const seen = new Map<string, T>();
    let startIndex = 1;
    for (let page = 0; page < MAX_PAGES; page++) {
      const query = new URLSearchParams(params);
      if (page > 0) query.set('startIndex', String(startIndex));
      const suffix = query.size ? `?${query.toString()}` : '';
      const { body } = await this.http.request('GET', `/${collection}${suffix}`);
      const { resources, total } = parseList<T>(body);
      let fresh = 0;
      for (const resource of resources) {
        if (!seen.has(resource.id)) fresh += 1;
        seen.set(resource.id, resource);
      }
      if (total !== undefined && seen.size >= total) return [...seen.values()];
      if (resources.length === 0 && total === undefined) return [...seen.values()];
      if (resources.length === 0 || fresh === 0) {
        const of = total === undefined ? '' : ` of ${total}`;
        throw new UnverifiableError(
          `${this.appId}: listing ${collection} stopped after ${seen.size}${of} resources (the server does not page through the rest)`,
        );
      }
      startIndex += resources.length;
    }
    throw new UnverifiableError(`${this.appId}: listing ${collection} did not end after ${MAX_PAGES} pages`);
  }

  /**
   * One page from `startIndex`, asking for `count` resources. A server that refuses `count` (400)
   * while it takes the same request without it is asked without it from then on: its own page size
   * then decides, and the caller takes what it needs of the answer.
   */
  async page<T extends ScimResource>(
    collection: Collection,
    startIndex: number,
    count: number,
    params: Record<string, string> = {},
  ): Promise<ListPage<T>> {
    const query = new URLSearchParams(params);
    query.set('startIndex', String(startIndex));
    if (!this.countRefused) query.set('count', String(count));
    try {
      const { body } = await this.http.request('GET', `/${collection}?${query.toString()}`);
      return parseList<T>(body);
    } catch (error) {
      if (this.countRefused || !(error instanceof ScimRequestError && error.status === 400)) throw error;
      query.delete('count');
      const { body } = await this.http.request('GET', `/${collection}?${query.toString()}`);
      this.countRefused = true;
      return parseList<T>(body);
    }
  }

  /**
   * Every resource for which `matches` holds, asking the server to filter by `filter` where it can.
   * The answer is checked: a filtered list with a resource that does not match means the filter was
   * ignored, and an error answer means it is not supported; either way the whole collection is
   * scanned instead, and the filter is not sent to this application again.
   */
  async find<T extends ScimResource>(
    collection: Collection,
    filter: string,
    matches: (resource: T) => boolean,
    params: Record<string, string> = {},
  ): Promise<T[]> {
    if (this.filterTrust[collection] !== 'unusable' && this.filtersSupported()) {
      try {
        const found = await this.all<T>(collection, { ...params, filter });
        if (found.every(matches)) {
          this.filterTrust[collection] = 'works';
          return found;
        }
      } catch (error) {
        if (!isFilterRefusal(error)) throw error;
      }
      this.filterTrust[collection] = 'unusable';
    }
    return (await this.all<T>(collection, params)).filter(matches);
  }
}

/** An error answer to a filtered GET that says the filter, not the credentials, is the problem. */
export function isFilterRefusal(error: unknown): boolean {
  return error instanceof ScimRequestError && (error.status === 400 || error.status === 501);
}

function parseList<T>(body: unknown): ListPage<T> {
  const list = (body ?? {}) as ListBody;
  const resources = Array.isArray(list.Resources) ? (list.Resources as T[]) : [];
  const total = typeof list.totalResults === 'number' ? list.totalResults : undefined;
  const startIndex = typeof list.startIndex === 'number' ? list.startIndex : undefined;
  return {
    resources: resources.filter((r) => r && typeof (r as { id?: unknown }).id === 'string'),
    total,
    startIndex,
  };
}
