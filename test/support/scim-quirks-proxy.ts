// A reverse proxy in front of a real scim2-server that makes it behave like the SCIM servers found
// in the wild: each quirk rewrites requests or answers the way such a server does, so the connector
// meets filters ignored or unsupported, userNames in `members.value`, forced paging, `count` refused,
// paging ignored, 501 on the filtered member-removal path, externalId dropped, and userNames that are
// not unique.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { freePort } from '../../scripts/lib/ports';

export const SCIM_QUIRKS = [
  /** Every filter is ignored: lists answer with the whole collection. */
  'filter-ignored',
  /** `members.value` filters are not supported and answer an empty list. */
  'member-filter-unsupported',
  /** Groups keep members by userName: answers show userNames, filters and removals on ids find nothing. */
  'usernames-as-members',
  /** Lists are paged two resources at a time, whatever the client asks. */
  'forced-paging',
  /** A request with `count` is refused with 400. */
  'count-rejected',
  /** startIndex and count are ignored: every list answers with the whole collection. */
  'paging-ignored',
  /** startIndex is ignored: every list answers from the first resource (with forced-paging, never past it). */
  'start-index-ignored',
  /**
   * PATCH paths with a value filter (`members[value eq "…"]`) answer 501 Not Implemented; a member is
   * removed with `{"op": "remove", "path": "members", "value": [{"value": id}]}` instead.
   */
  'filtered-remove-501',
  /** externalId is read-only: dropped from every write and never returned. */
  'externalid-dropped',
  /** userNames need not be unique: a second account with the same userName can be created. */
  'non-unique-usernames',
] as const;
export type ScimQuirk = (typeof SCIM_QUIRKS)[number];

export interface ScimQuirksProxy {
  baseUrl: string;
  stop(): Promise<void>;
}

const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
/** How a second account with a taken userName is stored upstream; answers never show the suffix. */
const DUPLICATE = /~dup\d+$/;
const SCIM2_SERVER_ID = /^[0-9a-f]{32}$/;

interface Answer {
  status: number;
  body: unknown;
}

type Json = Record<string, unknown>;

export async function startScimQuirksProxy(
  upstream: { baseUrl: string; token: string },
  quirks: ScimQuirk[],
): Promise<ScimQuirksProxy> {
  const has = (quirk: ScimQuirk) => quirks.includes(quirk);
  const base = new URL(upstream.baseUrl);
  let duplicates = 0;

  const call = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const response = await fetch(`${upstream.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${upstream.token}`,
        accept: 'application/scim+json',
        ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  };

  const userNameOf = async (id: string): Promise<string | undefined> => {
    const { status, body } = await call('GET', `/Users/${encodeURIComponent(id)}`);
    return status === 200 ? ((body as Json).userName as string).replace(DUPLICATE, '') : undefined;
  };
  const idOfUserName = async (userName: string): Promise<string | undefined> => {
    const query = new URLSearchParams({ filter: `userName eq ${JSON.stringify(userName)}` });
    const { body } = await call('GET', `/Users?${query.toString()}`);
    return ((body as { Resources?: Json[] }).Resources ?? [])[0]?.id as string | undefined;
  };
  /** With userNames as member values, a value that is an id names nobody. */
  const asUpstreamMember = async (value: string): Promise<string | undefined> =>
    SCIM2_SERVER_ID.test(value) ? undefined : idOfUserName(value);

  const rewriteAnswer = async (answer: Answer): Promise<Answer> => {
    const resources = (answer.body as { Resources?: Json[] } | undefined)?.Resources;
    for (const resource of resources ?? [answer.body as Json]) {
      if (!resource || typeof resource !== 'object') continue;
      if (has('externalid-dropped')) delete resource.externalId;
      if (typeof resource.userName === 'string') resource.userName = resource.userName.replace(DUPLICATE, '');
      if (has('usernames-as-members') && Array.isArray(resource.members)) {
        for (const member of resource.members as Json[]) {
          member.value = (await userNameOf(String(member.value))) ?? member.value;
          delete member.$ref;
        }
      }
    }
    return answer;
  };

  const handle = async (req: IncomingMessage): Promise<Answer> => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const method = req.method ?? 'GET';
    const path = url.pathname.slice(base.pathname.replace(/\/+$/, '').length);
    const text = await readBody(req);
    let body = text ? (JSON.parse(text) as Json) : undefined;
    const query = url.searchParams;
    const isList = method === 'GET' && /^\/(Users|Groups)$/.test(path);

    if (has('count-rejected') && query.has('count')) {
      return scimError(400, 'invalidValue', 'this server does not accept count');
    }
    if (has('filter-ignored') && method === 'GET') query.delete('filter');
    const filter = query.get('filter') ?? '';
    if (path === '/Groups' && method === 'GET' && filter.includes('members')) {
      if (has('member-filter-unsupported')) return emptyList();
      if (has('usernames-as-members')) {
        const value = /members\.value eq "(.*)"/.exec(filter)?.[1];
        const id = value === undefined ? undefined : await asUpstreamMember(value);
        if (!id) return emptyList();
        query.set('filter', `members.value eq ${JSON.stringify(id)}`);
      }
    }
    if (has('non-unique-usernames') && path === '/Users' && method === 'GET') {
      const wanted = /^userName eq "(.*)"$/.exec(filter)?.[1];
      if (wanted !== undefined) {
        query.set('filter', `userName sw ${JSON.stringify(wanted)}`);
        const answer = await call('GET', `${path}?${query.toString()}`);
        const list = answer.body as { Resources?: Json[]; totalResults?: number };
        list.Resources = (list.Resources ?? []).filter(
          (u) => String(u.userName).replace(DUPLICATE, '').toLowerCase() === wanted.toLowerCase(),
        );
        list.totalResults = list.Resources.length;
        return rewriteAnswer(answer);
      }
    }
    if (has('forced-paging') && isList) query.set('count', '2');
    if ((has('paging-ignored') || has('start-index-ignored')) && isList) query.delete('startIndex');
    if (has('paging-ignored') && isList) query.delete('count');

    if (body && has('externalid-dropped')) {
      delete body.externalId;
      for (const op of (body.Operations as Json[] | undefined) ?? []) {
        if (op.value && typeof op.value === 'object') delete (op.value as Json).externalId;
      }
    }
    if (method === 'PATCH' && path.startsWith('/Groups/') && body) {
      for (const op of (body.Operations as Json[] | undefined) ?? []) {
        const opPath = typeof op.path === 'string' ? op.path : '';
        if (has('filtered-remove-501')) {
          if (opPath.includes('[')) {
            return scimError(501, undefined, 'value filters in PATCH paths are not implemented');
          }
          // What such servers take instead (as Microsoft Entra sends it), in the form upstream knows.
          const [only, ...more] = Array.isArray(op.value) ? (op.value as Json[]) : [];
          if (op.op === 'remove' && opPath === 'members' && only && more.length === 0) {
            op.path = `members[value eq ${JSON.stringify(String(only.value))}]`;
            delete op.value;
          }
        }
        if (!has('usernames-as-members')) continue;
        const filtered = /^members\[value eq "(.*)"\]$/.exec(opPath);
        if (filtered) {
          const id = await asUpstreamMember(filtered[1]!);
          if (!id) return scimError(400, 'noTarget', 'no such member');
          op.path = `members[value eq ${JSON.stringify(id)}]`;
        }
        for (const member of Array.isArray(op.value) ? (op.value as Json[]) : []) {
          const value = String(member.value);
          member.value = SCIM2_SERVER_ID.test(value) ? value : ((await idOfUserName(value)) ?? value);
        }
      }
    }

    const suffix = query.size ? `?${query.toString()}` : '';
    let answer = await call(method, `${path}${suffix}`, body);
    if (has('non-unique-usernames') && method === 'POST' && path === '/Users' && answer.status === 409) {
      duplicates += 1;
      body = { ...body, userName: `${String(body?.userName)}~dup${duplicates}` };
      answer = await call(method, path, body);
    }
    return rewriteAnswer(answer);
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    handle(req).then(
      ({ status, body }) => {
        res.writeHead(status, { 'content-type': 'application/scim+json' });
        res.end(body === undefined ? undefined : JSON.stringify(body));
      },
      (error: unknown) => {
        res.writeHead(502, { 'content-type': 'application/scim+json' });
        res.end(JSON.stringify({ schemas: [ERROR_SCHEMA], status: '502', detail: String(error) }));
      },
    );
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${port}${base.pathname}`,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

function emptyList(): Answer {
  return {
    status: 200,
    body: { schemas: [LIST_SCHEMA], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] },
  };
}

function scimError(status: number, scimType: string | undefined, detail: string): Answer {
  return { status, body: { schemas: [ERROR_SCHEMA], status: String(status), scimType, detail } };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
