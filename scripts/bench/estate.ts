// The benchmark's applications: scim2-server instances, each behind a proxy that adds a network
// round trip and counts requests, with groups to grant, and the jml configuration that points at them.
import { configFromObjects, type LoadedConfig } from '../../config/load';
import { startFaultProxy, type FaultProxy } from '../lib/fault-proxy';
import { createScimGroups, startScimServer, type ScimServer } from '../lib/scim-server';

export const TOKEN = 'bench-token';
export const SECRET = 'bench-secret';
const SCIM_JSON = 'application/scim+json';

export interface BenchApp {
  id: string;
  server: ScimServer;
  proxy: FaultProxy;
  /** The SCIM base URL through the proxy (what jml and the script use). */
  baseUrl: string;
}

export interface Estate {
  apps: BenchApp[];
  groups: string[];
  /** Requests every application's proxy has seen so far. */
  requests(): number;
  /** How long the applications took to answer each request so far, behind the added latency. */
  answerMs(): number[];
  stop(): Promise<void>;
}

export async function startEstate(options: {
  applications: number;
  latencyMs: number;
  groups: string[];
  prefix?: string;
}): Promise<Estate> {
  const ids = Array.from(
    { length: options.applications },
    (_, i) => `${options.prefix ?? 'app'}${String(i + 1).padStart(2, '0')}`,
  );
  const apps = await Promise.all(
    ids.map(async (id): Promise<BenchApp> => {
      const server = await startScimServer({ token: TOKEN });
      await createScimGroups(server, options.groups);
      const proxy = await startFaultProxy(server.port, { latencyMs: options.latencyMs });
      return { id, server, proxy, baseUrl: proxy.url('/v2') };
    }),
  );
  return {
    apps,
    groups: options.groups,
    requests: () => apps.reduce((sum, a) => sum + a.proxy.requests, 0),
    answerMs: () => apps.flatMap((a) => a.proxy.answerMs),
    async stop() {
      await Promise.all(apps.map(async (a) => (await a.proxy.stop(), await a.server.stop())));
    },
  };
}

/** jml's configuration for an estate: every person gets every group in every application. */
export function estateConfig(
  estate: Estate,
  deprovision: 'disable' | 'delete',
  extra: Record<string, unknown> = {},
): LoadedConfig {
  return configFromObjects(
    {
      http: { port: 0, hrWebhookSecret: { env: 'SECRET' }, apiToken: { env: 'SECRET' } },
      lifecycle: { joinerLeadTime: '0s', maxRetryInterval: '2s' },
      applications: estate.apps.map((a) => ({
        id: a.id,
        kind: 'scim',
        baseUrl: a.baseUrl,
        token: { env: 'TOKEN' },
        deprovision,
        ...extra,
      })),
    },
    {
      version: 'bench',
      applications: Object.fromEntries(
        estate.apps.map((a) => [
          a.id,
          { entitlements: Object.fromEntries(estate.groups.map((g) => [g, {}])) },
        ]),
      ),
      roles: [{ id: 'all', grants: Object.fromEntries(estate.apps.map((a) => [a.id, estate.groups])) }],
    },
    { SECRET, TOKEN },
  );
}

async function scim<T>(baseUrl: string, path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': SCIM_JSON, ...init.headers },
  });
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path}: HTTP ${response.status}`);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

export interface Seeded {
  userName: string;
  employeeId: string;
}

/**
 * Creates people's accounts straight in the application (not through the proxy), tied to them by
 * externalId as jml ties its own, members of `groups`: an estate as jml finds it when installed.
 */
export async function seedPeople(
  app: BenchApp,
  people: Seeded[],
  groups: string[],
  batch = 500,
): Promise<void> {
  const base = app.server.baseUrl;
  const ids: string[] = [];
  for (let i = 0; i < people.length; i += 20) {
    const created = await Promise.all(
      people.slice(i, i + 20).map((p) =>
        scim<{ id: string }>(base, '/Users', {
          method: 'POST',
          body: JSON.stringify({
            schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
            userName: p.userName,
            externalId: p.employeeId,
            active: true,
          }),
        }),
      ),
    );
    ids.push(...created.map((u) => u.id));
  }
  const byName = await groupIds(app);
  for (const group of groups) {
    for (let i = 0; i < ids.length; i += batch) {
      await scim(base, `/Groups/${byName.get(group)}`, {
        method: 'PATCH',
        body: JSON.stringify({
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [
            { op: 'add', path: 'members', value: ids.slice(i, i + batch).map((value) => ({ value })) },
          ],
        }),
      });
    }
  }
}

/** Each group's id by displayName, as a script would look them up once before it runs. */
export async function groupIds(app: BenchApp): Promise<Map<string, string>> {
  const list = await scim<{ Resources?: { id: string; displayName: string }[] }>(
    app.server.baseUrl,
    `/Groups?attributes=displayName&count=1000`,
  );
  return new Map((list.Resources ?? []).map((g) => [g.displayName, g.id]));
}

/**
 * A leaver as a plain script does it, one application after the other: find the user by filter,
 * disable, remove each of the policy's groups (ids looked up beforehand), read the user back.
 */
export async function scriptedLeaver(
  apps: { app: BenchApp; groups: Map<string, string> }[],
  userName: string,
  groups: string[],
): Promise<void> {
  for (const { app, groups: ids } of apps) {
    const filter = encodeURIComponent(`userName eq "${userName}"`);
    const found = await scim<{ Resources?: { id: string }[] }>(app.baseUrl, `/Users?filter=${filter}`);
    const user = found.Resources?.[0];
    if (!user) throw new Error(`${app.id}: ${userName} not found`);
    await scim(app.baseUrl, `/Users/${user.id}`, {
      method: 'PATCH',
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', path: 'active', value: false }],
      }),
    });
    for (const group of groups) {
      await scim(app.baseUrl, `/Groups/${ids.get(group)}`, {
        method: 'PATCH',
        body: JSON.stringify({
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [{ op: 'remove', path: `members[value eq "${user.id}"]` }],
        }),
      });
    }
    const after = await scim<{ active?: boolean }>(app.baseUrl, `/Users/${user.id}`);
    if (after.active !== false) throw new Error(`${app.id}: ${userName} still active`);
  }
}
