// A Keycloak realm set up the way the README tells an administrator to, for the tests and the
// `keycloak` sample of `npm start`: the owner attribute declared in the user profile, a confidential
// client whose service account holds the realm-management roles jml needs, and a public client with
// direct access grants through which a person signs in (so that there are real sessions to end).
import { randomBytes } from 'node:crypto';
import type { KeycloakServer } from './keycloak';

export interface PreparedRealm {
  realm: string;
  /** The service-account client jml uses. */
  clientId: string;
  clientSecret: string;
  /** The public client a person signs in to. */
  loginClientId: string;
  /** The user attribute that holds the employee id. */
  ownerAttribute: string;
}

const OWNER_ATTRIBUTE = 'jmlEmployeeId';
const JML_CLIENT = 'jml';
const LOGIN_CLIENT = 'app';
/**
 * What jml needs, and no more: users, their groups and sessions (the user roles), finding groups by
 * path (query-groups), realm roles by name (view-realm) and client roles by client (view-clients).
 */
const SERVICE_ACCOUNT_ROLES = [
  'manage-users',
  'view-users',
  'query-users',
  'query-groups',
  'view-realm',
  'view-clients',
];

/** Creates the realm with jml's clients and the given top-level groups; fails loudly if it cannot. */
export async function prepareRealm(
  server: KeycloakServer,
  options: { realm: string; groups?: string[] },
): Promise<PreparedRealm> {
  const { realm } = options;
  const clientSecret = randomBytes(18).toString('base64url');
  const admin = adminClient(server);
  await admin('POST', '/admin/realms', {
    realm,
    enabled: true,
    adminEventsEnabled: true,
    adminEventsDetailsEnabled: true,
  });
  await declareOwnerAttribute(admin, realm);
  const base = `/admin/realms/${realm}`;
  await admin('POST', `${base}/clients`, {
    clientId: JML_CLIENT,
    publicClient: false,
    serviceAccountsEnabled: true,
    standardFlowEnabled: false,
    directAccessGrantsEnabled: false,
    clientAuthenticatorType: 'client-secret',
    secret: clientSecret,
  });
  await admin('POST', `${base}/clients`, {
    clientId: LOGIN_CLIENT,
    publicClient: true,
    directAccessGrantsEnabled: true,
    standardFlowEnabled: false,
  });
  const jml = await clientUuid(admin, realm, JML_CLIENT);
  const serviceUser = (await admin('GET', `${base}/clients/${jml}/service-account-user`)) as { id: string };
  const management = await clientUuid(admin, realm, 'realm-management');
  const roles = await Promise.all(
    SERVICE_ACCOUNT_ROLES.map((name) => admin('GET', `${base}/clients/${management}/roles/${name}`)),
  );
  await admin('POST', `${base}/users/${serviceUser.id}/role-mappings/clients/${management}`, roles);
  for (const name of options.groups ?? []) await admin('POST', `${base}/groups`, { name });
  return {
    realm,
    clientId: JML_CLIENT,
    clientSecret,
    loginClientId: LOGIN_CLIENT,
    ownerAttribute: OWNER_ATTRIBUTE,
  };
}

export type AdminCall = (method: string, path: string, body?: unknown) => Promise<unknown>;

/** Calls the Admin API as the bootstrap administrator of the master realm (a GET of nothing is undefined). */
export function adminClient(
  server: Pick<KeycloakServer, 'baseUrl' | 'adminUser' | 'adminPassword'>,
): AdminCall {
  let token: { value: string; until: number } | undefined;
  return async (method, path, body) => {
    if (!token || Date.now() > token.until) {
      const response = await fetch(`${server.baseUrl}/realms/master/protocol/openid-connect/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'password',
          client_id: 'admin-cli',
          username: server.adminUser,
          password: server.adminPassword,
        }),
      });
      const json = (await response.json()) as { access_token: string; expires_in: number };
      if (!response.ok) throw new Error(`admin sign-in failed: ${response.status} ${JSON.stringify(json)}`);
      token = { value: json.access_token, until: Date.now() + json.expires_in * 1000 - 10_000 };
    }
    const response = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token.value}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status === 404 && method === 'GET') return undefined;
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  };
}

async function clientUuid(admin: AdminCall, realm: string, clientId: string): Promise<string> {
  const found = (await admin('GET', `/admin/realms/${realm}/clients?clientId=${clientId}`)) as {
    id: string;
  }[];
  if (!found[0]) throw new Error(`client ${clientId} not found in realm ${realm}`);
  return found[0].id;
}

/** Keycloak 24+ drops undeclared attributes: declare the owner attribute, visible and editable by admins only. */
async function declareOwnerAttribute(admin: AdminCall, realm: string): Promise<void> {
  const path = `/admin/realms/${realm}/users/profile`;
  const profile = (await admin('GET', path)) as { attributes: unknown[] };
  profile.attributes.push({
    name: OWNER_ATTRIBUTE,
    displayName: 'Employee id',
    permissions: { view: ['admin'], edit: ['admin'] },
    multivalued: false,
  });
  await admin('PUT', path, profile);
}
