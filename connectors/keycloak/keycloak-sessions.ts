// A Keycloak user's sessions: the online user sessions (GET /users/{id}/sessions) and the offline
// sessions behind offline tokens, which live on after a logout. Offline sessions are listed per
// client, and the clients a user holds offline tokens for are the ones the consents listing names
// with an "Offline Token" grant.
import { UnverifiableError } from '../errors';
import type { KeycloakHttp } from './keycloak-http';

interface Consent {
  clientId?: string;
  additionalGrants?: { client?: string; key?: string }[];
}

/** A client the user holds offline tokens for: its clientId (to revoke) and internal id (to list). */
interface OfflineClient {
  clientId: string;
  uuid: string;
}

export async function countSessions(http: KeycloakHttp, userPath: string): Promise<number> {
  const [online, offline] = await Promise.all([
    onlineSessions(http, userPath),
    offlineClients(http, userPath),
  ]);
  const perClient = await Promise.all(offline.map((c) => offlineSessions(http, userPath, c.uuid)));
  return online + perClient.reduce((sum, n) => sum + n, 0);
}

/**
 * Ends every session: the logout removes the online sessions and makes every token issued so far
 * stale (the user's not-before), and revoking each offline grant removes the offline sessions,
 * which a logout leaves in place. Returns how many sessions there were.
 */
export async function endSessions(http: KeycloakHttp, userPath: string): Promise<number> {
  const count = await countSessions(http, userPath);
  await http.request('POST', `${userPath}/logout`);
  for (const client of await offlineClients(http, userPath)) {
    // 404: revoked meanwhile (or by an earlier attempt).
    await http.request('DELETE', `${userPath}/consents/${encodeURIComponent(client.clientId)}`, {
      accept: [404],
    });
  }
  return count;
}

async function onlineSessions(http: KeycloakHttp, userPath: string): Promise<number> {
  const { body } = await http.request('GET', `${userPath}/sessions`);
  return list(body, 'sessions').length;
}

async function offlineSessions(http: KeycloakHttp, userPath: string, clientUuid: string): Promise<number> {
  const { body } = await http.request(
    'GET',
    `${userPath}/offline-sessions/${encodeURIComponent(clientUuid)}`,
    {
      accept: [404],
    },
  );
  return Array.isArray(body) ? body.length : 0;
}

async function offlineClients(http: KeycloakHttp, userPath: string): Promise<OfflineClient[]> {
  const { body } = await http.request('GET', `${userPath}/consents`);
  const consents = list(body, 'consents') as Consent[];
  return consents.flatMap((consent) =>
    (consent.additionalGrants ?? [])
      .filter((grant) => grant.key === 'Offline Token' && grant.client && consent.clientId)
      .map((grant) => ({ clientId: consent.clientId!, uuid: grant.client! })),
  );
}

/** A listing that is not a list cannot be counted: it is never read as "none". */
function list(body: unknown, what: string): unknown[] {
  if (!Array.isArray(body))
    throw new UnverifiableError(`Keycloak answered the ${what} listing with something other than a list`);
  return body as unknown[];
}
