// How jml names Keycloak entitlements: `role:<name>` is a realm role, `client:<clientId>:<name>` a
// role of that client (split at the last `:`, since clientIds such as SAML entity ids often hold
// colons and role names seldom do), and anything else is a group path (`engineering`, or
// `engineering/backend` for a subgroup; a leading `/` may be written or left out).

export const ROLE_PREFIX = 'role:';
export const CLIENT_ROLE_PREFIX = 'client:';

export type KeycloakEntitlement =
  | { kind: 'role'; name: string }
  | { kind: 'client-role'; clientId: string; name: string }
  | { kind: 'group'; path: string };

export function parseEntitlement(entitlement: string): KeycloakEntitlement | undefined {
  if (entitlement.startsWith(ROLE_PREFIX))
    return { kind: 'role', name: entitlement.slice(ROLE_PREFIX.length) };
  if (entitlement.startsWith(CLIENT_ROLE_PREFIX)) {
    const rest = entitlement.slice(CLIENT_ROLE_PREFIX.length);
    const split = rest.lastIndexOf(':');
    if (split <= 0 || split === rest.length - 1) return undefined;
    return { kind: 'client-role', clientId: rest.slice(0, split), name: rest.slice(split + 1) };
  }
  return { kind: 'group', path: entitlement.replace(/^\/+/, '') };
}

export function clientRoleEntitlement(clientId: string, name: string): string {
  return `${CLIENT_ROLE_PREFIX}${clientId}:${name}`;
}

/** The Admin API path that finds a group by its path, each segment encoded on its own. */
export function groupByPath(path: string): string {
  return `/group-by-path/${path.split('/').map(encodeURIComponent).join('/')}`;
}

/** The entitlement name of a group the user is in, from the `path` Keycloak reports (`/a/b`). */
export function groupEntitlement(path: string): string {
  return path.replace(/^\/+/, '');
}

/**
 * Every user gets the realm's default role (`default-roles-<realm>`) on creation; it is the realm's
 * baseline, not an entitlement jml grants or a leaver can lose, so it is not reported.
 */
export function isDefaultRole(name: string, realm: string): boolean {
  return name === `default-roles-${realm.toLowerCase()}`;
}
