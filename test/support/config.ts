// Builds a validated jml configuration for tests, through the same zod schema production uses.
import { makeConfigSchema, type JmlConfig } from '../../domain/config';

export interface AppSpec {
  id: string;
  kind: 'scim' | 'ldap';
  [key: string]: unknown;
}

export function buildConfig(options: {
  applications: AppSpec[];
  roles: unknown[];
  secrets?: Record<string, string>;
  lifecycle?: Record<string, string>;
}): JmlConfig {
  const env = { TEST_HR_SECRET: 'test-hr-secret', TEST_API_TOKEN: 'test-api-token', ...options.secrets };
  return makeConfigSchema(env).parse({
    http: { port: 0, hrWebhookSecret: { env: 'TEST_HR_SECRET' }, apiToken: { env: 'TEST_API_TOKEN' } },
    lifecycle: { joinerLeadTime: '0s', maxRetryInterval: '1s', ...options.lifecycle },
    applications: options.applications,
    roles: options.roles,
  });
}
