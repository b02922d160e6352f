// One Keycloak for a test file (scripts/lib/keycloak.ts starts it) with a realm prepared for jml
// (scripts/lib/keycloak-realm.ts), and the person's own sign-ins through its public client, which
// make the real sessions the tests expect a leaver to end.
import { startKeycloak, type KeycloakServer } from '../../scripts/lib/keycloak';
import { prepareRealm, type PreparedRealm } from '../../scripts/lib/keycloak-realm';

export { adminClient } from '../../scripts/lib/keycloak-realm';

export interface KeycloakRealm extends PreparedRealm {
  server: KeycloakServer;
  stop(): Promise<void>;
}

/** Starts Keycloak and prepares a realm for jml; fails loudly if either cannot be done. */
export async function startKeycloakRealm(): Promise<KeycloakRealm> {
  const server = await startKeycloak();
  try {
    const prepared = await prepareRealm(server, { realm: 'jml-test' });
    return { server, ...prepared, stop: () => server.stop() };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** Where a person signs in: the server, the realm and its public client. */
export type SignInTarget = Pick<KeycloakRealm, 'realm' | 'loginClientId'> & {
  server: Pick<KeycloakServer, 'baseUrl'>;
};

export interface Tokens {
  access_token: string;
  refresh_token: string;
}

/** Signs in as the person through the public client (resource-owner password grant). */
export async function signIn(
  realm: SignInTarget,
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
export async function refreshStatus(realm: SignInTarget, refreshToken: string): Promise<number> {
  const response = await tokenRequest(realm, { grant_type: 'refresh_token', refresh_token: refreshToken });
  await response.body?.cancel();
  return response.status;
}

function tokenRequest(realm: SignInTarget, form: Record<string, string>): Promise<Response> {
  return fetch(`${realm.server.baseUrl}/realms/${realm.realm}/protocol/openid-connect/token`, {
    method: 'POST',
    body: new URLSearchParams({ client_id: realm.loginClientId, ...form }),
  });
}
