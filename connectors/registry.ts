// Builds the client for each configured application: a connector where the application has an API,
// a task channel where people do the work by hand.
import type { ApplicationConfig, ManualApplicationConfig } from '../domain/config';
import type { Connector } from './connector';
import { KeycloakConnector } from './keycloak/keycloak-connector';
import { createLdapConnector } from './ldap/ldap-flavors';
import { ManualTaskChannel, type TaskLog } from './manual/task-channel';
import { PostgresConnector } from './postgres/postgres-connector';
import { ScimConnector } from './scim/scim-connector';

export function createConnectors(apps: ApplicationConfig[]): Map<string, Connector> {
  const connectors = new Map<string, Connector>();
  for (const app of apps) {
    if (app.kind === 'scim') connectors.set(app.id, new ScimConnector(app));
    if (app.kind === 'ldap') connectors.set(app.id, createLdapConnector(app));
    if (app.kind === 'postgres') connectors.set(app.id, new PostgresConnector(app));
    if (app.kind === 'keycloak') connectors.set(app.id, new KeycloakConnector(app));
  }
  return connectors;
}

export function createTaskChannels(apps: ApplicationConfig[], log: TaskLog): Map<string, ManualTaskChannel> {
  const manual = apps.filter((a): a is ManualApplicationConfig => a.kind === 'manual');
  return new Map(manual.map((app) => [app.id, new ManualTaskChannel(app, log)]));
}
