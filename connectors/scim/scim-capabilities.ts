// What one SCIM server says it supports, read once per application from /ServiceProviderConfig and
// /Schemas (RFC 7643 §5, §7). It is a starting point, not proof: the connector still checks every
// answer, and the application's configuration overrides it.
import { TransientConnectorError } from '../errors';
import type { ScimHttp } from './scim-http';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';

export interface ScimCapabilities {
  /** ServiceProviderConfig `filter.supported`; servers that publish nothing are assumed to filter. */
  filter: boolean;
  /** ServiceProviderConfig `etag.supported`. */
  etag: boolean;
  /**
   * Users may carry the read-only `groups` attribute: the User schema declares it, or the server
   * publishes no schema. Declaring it is no proof that it is kept (scim-memberships.ts checks).
   */
  userGroups: boolean;
  /** The User schema makes externalId read-only: the server would drop it or refuse a create that sets it. */
  externalIdReadOnly: boolean;
}

interface Attribute {
  name?: unknown;
  mutability?: unknown;
}

export async function discoverCapabilities(http: ScimHttp): Promise<ScimCapabilities> {
  const [config, schemas] = await Promise.all([
    optional(http, '/ServiceProviderConfig'),
    optional(http, '/Schemas'),
  ]);
  const supported = (key: string, fallback: boolean): boolean => {
    const feature = (config as Record<string, { supported?: unknown }> | undefined)?.[key];
    return typeof feature?.supported === 'boolean' ? feature.supported : fallback;
  };
  const userAttributes = userSchemaAttributes(schemas);
  const attribute = (name: string) => userAttributes.find((a) => a.name === name);
  return {
    filter: supported('filter', true),
    etag: supported('etag', false),
    userGroups: userAttributes.length === 0 || attribute('groups') !== undefined,
    externalIdReadOnly: attribute('externalId')?.mutability === 'readOnly',
  };
}

/** A discovery document, or undefined where the server does not publish it (404, 501, 403…). */
async function optional(http: ScimHttp, path: string): Promise<unknown> {
  try {
    return (await http.request('GET', path)).body;
  } catch (error) {
    if (error instanceof TransientConnectorError) throw error;
    return undefined;
  }
}

function userSchemaAttributes(schemas: unknown): Attribute[] {
  const list = (schemas as { Resources?: unknown } | undefined)?.Resources ?? schemas;
  if (!Array.isArray(list)) return [];
  const user = list.find((s) => (s as { id?: unknown } | undefined)?.id === USER_SCHEMA) as
    { attributes?: unknown } | undefined;
  return Array.isArray(user?.attributes) ? (user.attributes as Attribute[]) : [];
}
