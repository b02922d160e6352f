// The one configuration schema: Temporal connection, HTTP front door, applications, and where the
// access policy is (domain/policy-schema.ts).
// Secrets are never written in the file: they are `{ env: NAME }` references resolved at load time.
import { z } from 'zod';
import { durationSchema } from './duration';
import { employeeIdSchema } from './hr-event';
import { reportDuplicateIds } from './unique-ids';
import {
  RECONCILIATION_DEFAULTS,
  reconcileSettingsSchema,
  reconciliationSchema,
} from './reconciliation-config';
import { appIdSchema as appId } from './app-id';

/** Where a SCIM application's memberships are read from, cheapest first (connectors/scim/scim-memberships.ts). */
export const MEMBERSHIP_SOURCES = ['user-groups', 'group-filter', 'per-group'] as const;

/** The directory servers the LDAP connector knows (connectors/ldap/). */
export const LDAP_FLAVORS = ['openldap', 'ad'] as const;
export type LdapFlavor = (typeof LDAP_FLAVORS)[number];

export const DEPROVISION_MODES = ['disable', 'delete'] as const;
export type DeprovisionMode = (typeof DEPROVISION_MODES)[number];

/** A PostgreSQL connection URL, e.g. postgres://jml@db.example.com:5432/evidence (the evidence store's). */
export const postgresUrlSchema = z
  .string()
  .refine(
    (url) => /^postgres(ql)?:\/\/\S*$/.test(url) && URL.canParse(url),
    'must be a postgres:// or postgresql:// URL',
  );

/** Builds the schema against an environment, so a missing secret is reported at its key. */
export function makeConfigSchema(env: Record<string, string | undefined>) {
  const secretRef = z
    .strictObject({
      env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'),
    })
    .transform((ref, ctx) => {
      const value = env[ref.env];
      if (!value) {
        ctx.addIssue({ code: 'custom', message: `environment variable ${ref.env} is not set` });
        return z.NEVER;
      }
      return value;
    });

  const common = {
    id: appId,
    displayName: z.string().min(1).optional(),
    /** What a leaver gets: `disable` keeps a deactivated account, `delete` removes it. Default: disable. */
    deprovision: z.enum(DEPROVISION_MODES).default('disable'),
    /** Per-request timeout for this application. Default: 10s. */
    requestTimeout: durationSchema.default(10_000),
    /** What a reconciliation does about what it finds here; absent: the defaults (reconcileSettingsOf). */
    reconcile: reconcileSettingsSchema.optional(),
  };

  /**
   * What an application with an API accepts from all of jml together, however many workers run
   * (connectors/request-limiter.ts): its calls go to a task queue of its own that Temporal dispatches no
   * faster than `rateLimit`, and each process takes its share of both limits.
   */
  const limits = {
    /** Requests per second, e.g. 20; a 429 or 503 with Retry-After holds every call until then. Default: no limit. */
    rateLimit: z.number().positive().max(100_000).optional(),
    /** Requests under way at once. Default: no limit (up to 16 connections per process for SCIM). */
    maxConcurrency: z.number().int().min(1).max(10_000).optional(),
  };

  const scimApp = z.strictObject({
    ...common,
    ...limits,
    kind: z.literal('scim'),
    /** SCIM base URL, e.g. https://app.example.com/scim/v2 */
    baseUrl: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
    token: secretRef,
    /**
     * Where the account's owner (the employee id) is kept: `externalId`, or an attribute of a schema
     * extension written as `<schema URN>:<attribute>`, for servers that drop externalId. Default: externalId.
     */
    ownerAttribute: z
      .string()
      .regex(
        /^(externalId|urn:[A-Za-z0-9:._-]+:[A-Za-z][A-Za-z0-9]*)$/,
        'must be externalId or <schema URN>:<attribute>',
      )
      .default('externalId'),
    /**
     * How memberships are read: `auto` learns it from the server; `user-groups`, `group-filter` or
     * `per-group` start from that source (a source caught missing a membership is still left). Default: auto.
     */
    memberships: z.enum(['auto', ...MEMBERSHIP_SOURCES]).default('auto'),
    /** Whether to send filters at all; absent: as the server's ServiceProviderConfig says. */
    filters: z.boolean().optional(),
  });

  const ldapApp = z
    .strictObject({
      ...common,
      ...limits,
      kind: z.literal('ldap'),
      url: z.string().regex(/^ldaps?:\/\/.+/, 'must be an ldap:// or ldaps:// URL'),
      bindDn: z.string().min(1),
      bindPassword: secretRef,
      usersDn: z.string().min(1),
      groupsDn: z.string().min(1),
      /**
       * The directory server: `openldap` (inetOrgPerson and groupOfNames, disabled by the ppolicy lock) or
       * `ad` (Active Directory: user objects by sAMAccountName, disabled by userAccountControl bit 2,
       * memberships from memberOf). Default: openldap.
       */
      flavor: z.enum(LDAP_FLAVORS).default('openldap'),
      /**
       * The attribute that holds the employee id: `employeeNumber`, or on Active Directory `employeeID`.
       * Default: employeeNumber on OpenLDAP, employeeID on Active Directory.
       */
      ownerAttribute: z.enum(['employeeNumber', 'employeeID']).optional(),
      /** Active Directory: accounts get userPrincipalName `<userName>@<upnSuffix>`. Default: the domain of usersDn (its DC= parts). */
      upnSuffix: z
        .string()
        .regex(
          /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/,
          'must be a DNS name',
        )
        .optional(),
      /** PEM file of the CA certificates that ldaps:// trusts, in place of Node's built-in ones. Default: Node's. */
      caFile: z.string().min(1).optional(),
    })
    .superRefine(checkLdapFlavor);

  /** PostgreSQL: accounts are LOGIN roles, entitlements are granted (group) roles (connectors/postgres/). */
  const postgresApp = z.strictObject({
    ...common,
    ...limits,
    kind: z.literal('postgres'),
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(1).max(65535).default(5432),
    /** The database jml connects to; REASSIGN OWNED and DROP OWNED on delete act on this one. */
    database: z.string().min(1),
    /** The role jml signs in as (superuser, or CREATEROLE with pg_signal_backend and the owner's privileges). */
    user: z.string().min(1),
    password: secretRef,
    /** Require TLS for jml's own connections. Default: false. */
    ssl: z.boolean().default(false),
    /** Whoever takes over what a deleted role owned (REASSIGN OWNED ... TO owner). */
    owner: z.string().min(1),
    /** Most connections jml keeps open to this server at once. Default: 4. */
    poolSize: z.number().int().min(1).max(100).default(4),
  });

  /** Keycloak: accounts are realm users, entitlements are groups and realm roles (connectors/keycloak/). */
  const keycloakApp = z.strictObject({
    ...common,
    ...limits,
    kind: z.literal('keycloak'),
    /** The server's base URL, e.g. https://sso.example.com (without /admin or /realms). */
    baseUrl: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
    /** The realm whose users jml manages. */
    realm: z.string().min(1),
    /** A confidential client of that realm with a service account holding realm-management roles. */
    clientId: z.string().min(1),
    clientSecret: secretRef,
    /** The user attribute that holds the employee id (declared in the realm's user profile). Default: jmlEmployeeId. */
    ownerAttribute: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_.-]*$/, 'must be an attribute name')
      .default('jmlEmployeeId'),
    /** Required actions set on accounts jml creates, e.g. CONFIGURE_TOTP, UPDATE_PASSWORD. Default: none. */
    requiredActions: z
      .array(z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be a required action alias'))
      .default([]),
  });

  /** An application without an API: a person does the work, told by a task, and attests it. */
  const manualApp = z.strictObject({
    ...common,
    kind: z.literal('manual'),
    /** Employee ids of the people who do the work and may attest it. */
    fulfillers: z.array(employeeIdSchema).min(1),
    /** Asked too, and allowed to attest, once a task is overdue. Default: nobody more. */
    escalateTo: z.array(employeeIdSchema).default([]),
    /** How long a task may stay open before it is escalated (and again after each further period). Default: 1d. */
    taskTimeout: durationSchema.default(86_400_000),
    /**
     * `when-granted`: a leaver gets a task here only where jml's record shows access; `always`: for every
     * leaver, for applications where access is also given outside jml. Default: when-granted.
     */
    leaverTask: z.enum(['when-granted', 'always']).default('when-granted'),
    /** Each task is POSTed here as JSON (e.g. a ticketing system's inbound hook); absent: a log line only. */
    webhook: z
      .strictObject({
        url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
        /** Sent as `Authorization: Bearer <token>`. */
        token: secretRef.optional(),
      })
      .optional(),
  });

  const application = z.discriminatedUnion('kind', [scimApp, ldapApp, postgresApp, keycloakApp, manualApp]);

  return z
    .strictObject({
      temporal: z
        .strictObject({
          /** host:port of an existing cluster; absent means the embedded dev server. */
          address: z.string().min(1).optional(),
          namespace: z.string().min(1).default('default'),
          taskQueue: z.string().min(1).default('jml'),
        })
        .default({ namespace: 'default', taskQueue: 'jml' }),
      http: z.strictObject({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
        hrWebhookSecret: secretRef,
        apiToken: secretRef,
        /** Signs personal tokens (`jml token`): approvers and fulfillers then act only as themselves. */
        personalTokenSecret: secretRef.optional(),
        /** Personal tokens made to live longer than this are refused. Default: 30d. */
        personalTokenMaxLifetime: durationSchema.default(30 * 86_400_000),
        /** Ids of personal tokens revoked one by one (`jml token` prints each token's id). Default: none. */
        revokedPersonalTokens: z
          .array(z.string().regex(/^[0-9a-f]{16}$/, 'must be a token id: 16 hexadecimal digits'))
          .default([]),
        /** A bearer token that reads /metrics and nothing else (for scrapers); absent: only the API token does. */
        metricsToken: secretRef.optional(),
        maxBodyBytes: z.number().int().positive().default(65_536),
        /** The largest roster POST /v1/hr/roster takes (a whole company in one body). Default: 16 MiB. */
        maxRosterBytes: z.number().int().positive().default(16_777_216),
        signatureTolerance: durationSchema.default(300_000),
      }),
      lifecycle: z
        .strictObject({
          /** Provision a joiner this long before their start date. Default: 1d. */
          joinerLeadTime: durationSchema.default(86_400_000),
          /** Longest wait between two attempts at an application that keeps failing. Default: 1m. */
          maxRetryInterval: durationSchema.default(60_000),
          /** A mover keeps the old role's access this long after the new role's is granted. Default: 0s. */
          moverOverlap: durationSchema.default(0),
          /**
           * Every application of a leaver must be verified this long after the termination's effective
           * time; past it the leaver is flagged (NeedsAttention, an alert line, the certificate says how
           * late). Default: 1h.
           */
          deprovisionDeadline: durationSchema.default(3_600_000),
        })
        .default({
          joinerLeadTime: 86_400_000,
          maxRetryInterval: 60_000,
          moverOverlap: 0,
          deprovisionDeadline: 3_600_000,
        }),
      applications: z.array(application).min(1),
      /**
       * The mass-termination guard (domain/termination-guard.ts): terminations beyond the limit within a
       * sliding hour are held until one of the approvers decides. Default: on, 50 per hour, no share limit.
       */
      guard: z
        .strictObject({
          /** Default: true. */
          enabled: z.boolean().default(true),
          /** Non-urgent terminations admitted per sliding hour before the rest is held. Default: 50. */
          maxTerminationsPerHour: z.number().int().positive().default(50),
          /** Also held beyond this percentage of the workforce (employed people) per hour. Default: none. */
          maxTerminationsPercent: z.number().positive().max(100).optional(),
          /** Employee ids who may release or drop held terminations. Default: nobody (then none can be released). */
          approvers: z.array(employeeIdSchema).default([]),
        })
        .default({ enabled: true, maxTerminationsPerHour: 50, approvers: [] }),
      /** The access policy file (roles, entitlements, approvals), relative to this file. Default: policy.yaml. */
      policy: z.string().min(1).default('policy.yaml'),
      /**
       * Where evidence is kept (evidence/): a PostgreSQL URL, written here without a password or as
       * `{ env: NAME }`. Default: the embedded PGlite store in `<data dir>/evidence`. JML_EVIDENCE_URL overrides.
       */
      evidence: z
        .strictObject({
          url: z
            .unknown()
            .transform((value, ctx): string => {
              // A union would only say "Invalid input" for an unset variable; each form reports its own problem.
              const form =
                typeof value === 'string'
                  ? postgresUrlSchema.refine(
                      (url) => !new URL(url).password,
                      'must not contain a password: write { env: NAME } and put the URL in that variable',
                    )
                  : secretRef.pipe(postgresUrlSchema);
              const parsed = form.safeParse(value);
              if (parsed.success) return parsed.data;
              for (const issue of parsed.error.issues) {
                ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
              }
              return z.NEVER;
            })
            .optional(),
        })
        .default({}),
      /** The reconciliation Schedule: every application's accounts checked against jml's records. */
      reconciliation: reconciliationSchema.default(RECONCILIATION_DEFAULTS),
      /**
       * Local sample applications that `npm start` runs (demos only; leave out in production). SCIM
       * samples always run; Keycloak and PostgreSQL samples only when JML_SAMPLES names their kind.
       */
      samples: z.array(sampleSchema(common, secretRef)).default([]),
    })
    .superRefine(checkReferences, {
      // Run even when other keys are invalid, so one pass reports every problem in the file.
      when: (payload) =>
        Array.isArray((payload.value as { applications?: unknown } | undefined)?.applications),
    });
}

/** What only one flavour of directory takes, and what Active Directory needs. */
function checkLdapFlavor(
  app: { flavor: LdapFlavor; url: string; usersDn: string; ownerAttribute?: string; upnSuffix?: string },
  ctx: z.RefinementCtx,
): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  if (app.flavor === 'openldap') {
    if (app.ownerAttribute === 'employeeID') {
      issue('ownerAttribute', 'inetOrgPerson has no employeeID: OpenLDAP keeps the owner in employeeNumber');
    }
    if (app.upnSuffix !== undefined)
      issue('upnSuffix', 'only Active Directory (flavor: ad) has userPrincipalName');
    return;
  }
  if (!app.url.startsWith('ldaps://')) {
    issue('url', 'Active Directory takes passwords only over an encrypted connection: use an ldaps:// URL');
  }
  if (app.upnSuffix === undefined && !/(^|,)\s*dc\s*=/i.test(app.usersDn)) {
    issue('upnSuffix', 'usersDn has no DC= parts to take the userPrincipalName suffix from: set upnSuffix');
  }
}

/**
 * The sample applications: a SCIM server for an application written under `applications`, or a
 * Keycloak or PostgreSQL server that brings its own application, configured only while it runs.
 */
function sampleSchema<Common extends z.ZodRawShape>(common: Common, secretRef: z.ZodType<string>) {
  const port = z.number().int().min(1).max(65535);
  /** The application the sample serves: `npm start` adds the connection details of the server it runs. */
  const application = z.strictObject(common);
  const postgresName = z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case PostgreSQL name (letters, digits, "_")');
  return z.discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('scim'),
      port,
      token: secretRef,
      /** Groups (by displayName) created at start, so that they can be granted. */
      groups: z.array(z.string().min(1)).default([]),
    }),
    z.strictObject({
      kind: z.literal('keycloak'),
      port,
      application,
      /** The realm created at start, with jml's service-account client and a public login client `app`. */
      realm: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be letters, digits, "_" or "-"')
        .refine((realm) => realm !== 'master', "must not be master, the administrators' realm")
        .default('jml'),
      /** Top-level groups created in the realm, so that they can be granted. */
      groups: z.array(z.string().regex(/^[^/]+$/, 'must be a top-level group name (no "/")')).default([]),
    }),
    z.strictObject({
      kind: z.literal('postgres'),
      port,
      application,
      /** The database created at start, which jml connects to. Default: warehouse. */
      database: postgresName.default('warehouse'),
      /** Group roles (NOLOGIN) created at start, so that they can be granted. */
      roles: z.array(postgresName).default([]),
    }),
  ]);
}

/** Application ids are unique, also against the applications that samples bring. */
function checkReferences(raw: unknown, ctx: z.RefinementCtx): void {
  const { applications = [], samples } = raw as { applications?: unknown[]; samples?: unknown };
  reportDuplicateIds('applications', applications, 'application', ctx);
  if (!Array.isArray(samples)) return;
  const taken = new Set(applications.map((app) => (app as { id?: unknown } | undefined)?.id));
  samples.forEach((sample, i) => {
    const id = (sample as { application?: { id?: unknown } } | undefined)?.application?.id;
    if (typeof id !== 'string') return;
    if (taken.has(id)) {
      ctx.addIssue({
        code: 'custom',
        path: ['samples', i, 'application', 'id'],
        message: `application id "${id}" is already taken by another application`,
      });
    }
    taken.add(id);
  });
}

export type JmlConfig = z.output<ReturnType<typeof makeConfigSchema>>;
export type ApplicationConfig = JmlConfig['applications'][number];
export type ScimApplicationConfig = Extract<ApplicationConfig, { kind: 'scim' }>;
export type LdapApplicationConfig = Extract<ApplicationConfig, { kind: 'ldap' }>;
export type PostgresApplicationConfig = Extract<ApplicationConfig, { kind: 'postgres' }>;
export type KeycloakApplicationConfig = Extract<ApplicationConfig, { kind: 'keycloak' }>;
export type ManualApplicationConfig = Extract<ApplicationConfig, { kind: 'manual' }>;
export type SampleConfig = JmlConfig['samples'][number];
