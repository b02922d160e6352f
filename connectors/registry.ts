// Builds the connector for each configured application.
import type { ApplicationConfig } from '../domain/config';
import type { Connector } from './connector';
import { LdapConnector } from './ldap/ldap-connector';
import { ScimConnector } from './scim/scim-connector';

export function createConnector(app: ApplicationConfig): Connector {
  switch (app.kind) {
    case 'scim':
      return new ScimConnector(app);
    case 'ldap':
      return new LdapConnector(app);
  }
}

export function createConnectors(apps: ApplicationConfig[]): Map<string, Connector> {
  return new Map(apps.map((app) => [app.id, createConnector(app)]));
}
