// The `keycloak` sample of `npm start`: Keycloak in dev mode on the sample's port, with a realm
// prepared for jml and the sample's groups, and the application that points jml at it.
import { join } from 'node:path';
import type { KeycloakApplicationConfig, SampleConfig } from '../../domain/config';
import { startKeycloak } from './keycloak';
import { prepareRealm } from './keycloak-realm';
import type { RunningSample, SampleOptions } from './samples';

type KeycloakSample = Extract<SampleConfig, { kind: 'keycloak' }>;

export async function startKeycloakSample(
  sample: KeycloakSample,
  options: SampleOptions,
): Promise<RunningSample> {
  const server = await startKeycloak({
    port: sample.port,
    adminPassword: options.adminPassword,
    workDir: join(options.dataDir, 'samples', 'keycloak'),
  });
  try {
    const realm = await prepareRealm(server, { realm: sample.realm, groups: sample.groups });
    const application: KeycloakApplicationConfig = {
      ...sample.application,
      kind: 'keycloak',
      baseUrl: server.baseUrl,
      realm: realm.realm,
      clientId: realm.clientId,
      clientSecret: realm.clientSecret,
      ownerAttribute: realm.ownerAttribute,
      requiredActions: [],
    };
    return {
      what: 'sample Keycloak',
      summary: {
        application: application.id,
        baseUrl: server.baseUrl,
        realm: realm.realm,
        loginClient: realm.loginClientId,
        groups: sample.groups,
      },
      application,
      stop: () => server.stop(),
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
