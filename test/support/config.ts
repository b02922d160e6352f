// Builds a validated configuration and policy for tests, through the same schemas production uses.
// Entitlements that roles grant and `entitlements` does not describe are declared low-risk.
import { configFromObjects, type LoadedConfig } from '../../config/load';

export interface AppSpec {
  id: string;
  kind: 'scim' | 'ldap' | 'manual';
  [key: string]: unknown;
}

export interface RoleSpec {
  id: string;
  when?: Record<string, string[]>;
  grants: Record<string, string[]>;
}

export function buildConfig(options: {
  applications: AppSpec[];
  roles: RoleSpec[];
  /** Entitlement specs (risk, approval, maxDuration) per application. */
  entitlements?: Record<string, Record<string, unknown>>;
  owners?: Record<string, string[]>;
  approverGroups?: Record<string, string[]>;
  secrets?: Record<string, string>;
  lifecycle?: Record<string, string>;
  /** Further `http` keys (e.g. `metricsToken`). */
  http?: Record<string, unknown>;
  /** The `reconciliation` section (the Schedule). */
  reconciliation?: Record<string, unknown>;
}): LoadedConfig {
  const env = {
    TEST_HR_SECRET: 'test-hr-secret',
    TEST_API_TOKEN: 'test-api-token',
    TEST_PERSONAL_TOKEN_SECRET: 'test-personal-token-secret',
    ...options.secrets,
  };
  const applications: Record<string, { owners: string[]; entitlements: Record<string, unknown> }> = {};
  for (const app of options.applications) {
    applications[app.id] = {
      owners: options.owners?.[app.id] ?? [],
      entitlements: { ...options.entitlements?.[app.id] },
    };
  }
  for (const role of options.roles) {
    for (const [appId, names] of Object.entries(role.grants)) {
      for (const name of names) applications[appId]!.entitlements[name] ??= { risk: 'low' };
    }
  }
  return configFromObjects(
    {
      http: {
        port: 0,
        hrWebhookSecret: { env: 'TEST_HR_SECRET' },
        apiToken: { env: 'TEST_API_TOKEN' },
        personalTokenSecret: { env: 'TEST_PERSONAL_TOKEN_SECRET' },
        ...options.http,
      },
      lifecycle: { joinerLeadTime: '0s', maxRetryInterval: '1s', ...options.lifecycle },
      applications: options.applications,
      ...(options.reconciliation ? { reconciliation: options.reconciliation } : {}),
    },
    { version: 'test', approverGroups: options.approverGroups ?? {}, applications, roles: options.roles },
    env,
  );
}

/** The configuration most workflow tests need: one SCIM application `crm` whose one group everyone gets. */
export function crmConfig(options: { baseUrl: string; token: string; group: string }): LoadedConfig {
  return buildConfig({
    secrets: { TOKEN: options.token },
    applications: [{ id: 'crm', kind: 'scim', baseUrl: options.baseUrl, token: { env: 'TOKEN' } }],
    roles: [{ id: 'all', grants: { crm: [options.group] } }],
  });
}
