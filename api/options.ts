// What the HTTP API needs from the service that runs it, and the limits a maintained server enforces.
import type { IntakeOptions } from './intake';
import type { Client } from '@temporalio/client';
import type { Registry } from 'prom-client';
import type { Logger } from '../common/logger';
import type { RosterSnapshots } from '../evidence/roster-snapshots';
import type { EvidenceStore } from '../evidence/store';
import type { IdentitySettings } from '../workflows/messages';
import type { TerminationGuardSettings } from '../domain/termination-guard';

export interface ApiOptions {
  client: Client;
  namespace: string;
  taskQueue: string;
  settings: IdentitySettings;
  /** The mass-termination guard terminations are admitted by (api/intake.ts); absent: off. */
  guard?: TerminationGuardSettings;
  /** The evidence store's employment memory the intake judges new runs by (api/intake.ts); absent: Temporal's. */
  employmentMemory?: IntakeOptions['employmentMemory'];
  hrWebhookSecret: string;
  apiToken: string;
  /** Verifies personal tokens; without it only the API token is accepted. */
  personalTokenSecret?: string;
  /** Longest a personal token may live. */
  personalTokenMaxLifetimeMs?: number;
  /** Personal tokens revoked one by one, by id. */
  revokedPersonalTokens?: readonly string[];
  /** A bearer token that reads /metrics and nothing else; without it only the API token does. */
  metricsToken?: string;
  /** The registry /metrics answers with, before the lifecycle state. Default: the process's. */
  metricsRegistry?: Registry;
  maxBodyBytes: number;
  signatureToleranceMs: number;
  logger: Logger;
  /**
   * The evidence store this process holds (workers/service.ts), read by the certificate and export
   * routes; without it they answer 503. Never a second one: the embedded store is one process's.
   */
  evidence?: Pick<EvidenceStore, 'reader' | 'publicKey'>;
  /**
   * What each HR source's roster last told jml, kept beside the evidence (evidence/roster-snapshots.ts),
   * for POST /v1/hr/roster; without it that route answers 503.
   */
  rosters?: RosterSnapshots;
  /** The largest roster POST /v1/hr/roster takes (`http.maxRosterBytes`). Default 16 MiB. */
  maxRosterBytes?: number;
  /** The configured applications' ids: what `POST /v1/reconciliations` may name. Absent: not checked. */
  applicationIds?: readonly string[];
  /** Whether this process's worker is running (readiness); without it only Temporal's pollers count. */
  workerRunning?: () => boolean;
  limits?: Partial<ServerLimits>;
}

export interface ServerLimits {
  /** Longest a route waits for Temporal before answering 503. Default 5 s. */
  temporalDeadlineMs: number;
  /** Longest /readyz waits for Temporal. Default 2 s. */
  readinessDeadlineMs: number;
  /** A request must arrive whole within this. Default 30 s (longer than any Temporal wait). */
  requestTimeoutMs: number;
  /** The request's headers must arrive within this (slow-loris). Default 10 s. */
  headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. Default 5 s. */
  keepAliveTimeoutMs: number;
  /** A socket with no activity at all is closed after this. Default 60 s. */
  connectionTimeoutMs: number;
  /** Open connections one client address may hold; more are answered 429 and closed. Default 32. */
  maxConnectionsPerClient: number;
  /** How long /metrics serves one reading of the lifecycle state from Temporal. Default 5 s. */
  metricsCacheMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  temporalDeadlineMs: 5_000,
  readinessDeadlineMs: 2_000,
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  connectionTimeoutMs: 60_000,
  maxConnectionsPerClient: 32,
  metricsCacheMs: 5_000,
};
