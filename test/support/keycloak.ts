// One Keycloak for a test file (scripts/lib/keycloak.ts starts it), with a realm set up the way the
// README tells an administrator to: the owner attribute declared in the user profile, a confidential
// client whose service account holds realm-management roles for jml, and a public client with
// direct access grants through which the tests sign in as the person to make real sessions.
import { randomBytes } from 'node:crypto';
import { startKeycloak, type KeycloakServer } from '../../scripts/lib/keycloak';

export interface KeycloakRealm {
  server: KeycloakServer;
  realm: string;
  /** The service-account client jml uses. */
  clientId: string;
  clientSecret: string;
  /** The public client the person signs in to. */
  loginClientId: string;
  ownerAttribute: string;
  stop(): Promise<void>;
}

const OWNER_ATTRIBUTE = 'jmlEmployeeId';
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

/** Starts Keycloak and prepares a realm for jml; fails loudly if either cannot be done. */
export async function startKeycloakRealm(): Promise<KeycloakRealm> {
  const server = await startKeycloak();
  try {
    const realm = 'jml-test';
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
      clientId: 'jml',
      publicClient: false,
      serviceAccountsEnabled: true,
      standardFlowEnabled: false,
      directAccessGrantsEnabled: false,
      clientAuthenticatorType: 'client-secret',
      secret: clientSecret,
    });
    await admin('POST', `${base}/clients`, {
      clientId: 'app',
      publicClient: true,
      directAccessGrantsEnabled: true,
      standardFlowEnabled: false,
    });
    const jml = await clientUuid(admin, realm, 'jml');
    const serviceUser = (await admin('GET', `${base}/clients/${jml}/service-account-user`)) as { id: string };
    const management = await clientUuid(admin, realm, 'realm-management');
    const roles = await Promise.all(
      SERVICE_ACCOUNT_ROLES.map((name) => admin('GET', `${base}/clients/${management}/roles/${name}`)),
    );
    await admin('POST', `${base}/users/${serviceUser.id}/role-mappings/clients/${management}`, roles);
    return {
      server,
      realm,
      clientId: 'jml',
      clientSecret,
      loginClientId: 'app',
      ownerAttribute: OWNER_ATTRIBUTE,
      stop: () => server.stop(),
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

type AdminCall = (method: string, path: string, body?: unknown) => Promise<unknown>;

/** Calls the Admin API as the bootstrap administrator of the master realm: the tests' own view. */
export function adminClient(server: KeycloakServer): AdminCall {
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

export interface Tokens {
  access_token: string;
  refresh_token: string;
}

/** Signs in as the person through the public client (resource-owner password grant). */
export async function signIn(
  realm: KeycloakRealm,
  username: string,
  password: string,
  scope = 'openid',
): Promise<Tokens> {
  const response = await tokenRequest(realm, { grant_type: 'password', username, password, scope });
  const body = (await response.json()) as Tokens & { error_description?: string };
  if (!response.ok)
    throw new Error(`sign-in as ${username} refused: ${response.status} ${body.error_description}`);
  return body;
}

/** Whether a refresh token still gets new tokens: the status of the refresh request. */
export async function refreshStatus(realm: KeycloakRealm, refreshToken: string): Promise<number> {
  const response = await tokenRequest(realm, { grant_type: 'refresh_token', refresh_token: refreshToken });
  await response.body?.cancel();
  return response.status;
}

function tokenRequest(realm: KeycloakRealm, form: Record<string, string>): Promise<Response> {
  return fetch(`${realm.server.baseUrl}/realms/${realm.realm}/protocol/openid-connect/token`, {
    method: 'POST',
    body: new URLSearchParams({ client_id: realm.loginClientId, ...form }),
  });
}
