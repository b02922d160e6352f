// Lifecycle metrics counted where the evidence is written: the store the evidence activities append
// to, decorated, turns each record it newly appends into Prometheus observations
// (evidence-observations.ts says which). A record the store already had (a retried activity, a
// replayed workflow) is not counted again.
// Counters live in the process's registry: each worker counts what it wrote, and Prometheus sums
// the workers.
import { Counter, Histogram, type Registry } from 'prom-client';
import { processMetricsRegistry } from '../common/metrics';
import { evidenceInputSchema } from '../domain/evidence-record';
import type { AppendResult, EvidenceStore } from '../evidence/store';
import {
  observationsOf,
  VERIFICATION_FAILURES,
  type EvidenceObservation,
  type ObservationSettings,
} from './evidence-observations';

/** Seconds: from a second to a week, so an instant leaver and one that waited days for a person both show. */
export const LIFECYCLE_BUCKETS = [
  1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14_400, 28_800, 86_400, 172_800, 259_200, 604_800,
];

function instruments(registry: Registry) {
  const registers = [registry];
  return {
    evidenceRecords: new Counter({
      name: 'jml_evidence_records_total',
      help: 'Evidence records newly written, by kind',
      labelNames: ['kind'],
      registers,
    }),
    timeToProvision: new Histogram({
      name: 'jml_time_to_provision_seconds',
      help: 'Joiners (hire, rehire): from when the step was due until every application was verified or settled',
      buckets: LIFECYCLE_BUCKETS,
      registers,
    }),
    timeToDeprovision: new Histogram({
      name: 'jml_time_to_deprovision_seconds',
      help: 'Leavers: from when the termination was due until every application was verified or settled',
      buckets: LIFECYCLE_BUCKETS,
      registers,
    }),
    verificationFailures: new Counter({
      name: 'jml_verification_failures_total',
      help: 'Applications flagged in a step as failing, stalled or unverifiable, by application and reason',
      labelNames: ['app', 'reason'],
      registers,
    }),
    heldByOther: new Counter({
      name: 'jml_held_by_other_total',
      help: "Applications flagged in a step because the person's userName is another employee's account",
      labelNames: ['app'],
      registers,
    }),
    tasksOverdue: new Counter({
      name: 'jml_task_deadlines_missed_total',
      help: 'Manual applications flagged in a step because a task went past its deadline, by application',
      labelNames: ['app'],
      registers,
    }),
    deadlineMissed: new Counter({
      name: 'jml_deadline_missed_total',
      help: 'Leavers that missed lifecycle.deprovisionDeadline',
      registers,
    }),
    driftFound: new Counter({
      name: 'jml_drift_found_total',
      help: 'Entitlements an application showed beyond what the plan justifies, by application and step',
      labelNames: ['app', 'step'],
      registers,
    }),
    manualOverrides: new Counter({
      name: 'jml_manual_overrides_total',
      help: 'Operators steering a step by hand (skip with a justification, retry now), by action',
      labelNames: ['action'],
      registers,
    }),
  };
}

export type LifecycleEventMetrics = ReturnType<typeof instruments>;

const made = new WeakMap<Registry, LifecycleEventMetrics>();

/** The event metrics of a registry, registered on first use (a name registers once per registry). */
export function lifecycleEventMetrics(registry: Registry = processMetricsRegistry()): LifecycleEventMetrics {
  let metrics = made.get(registry);
  if (!metrics) {
    metrics = instruments(registry);
    // Known label values start at 0, so a rate over the first increase is not lost.
    for (const action of ['skip', 'retry']) metrics.manualOverrides.inc({ action }, 0);
    made.set(registry, metrics);
  }
  return metrics;
}

/** Counts one observation. */
export function observe(metrics: LifecycleEventMetrics, observation: EvidenceObservation): void {
  switch (observation.metric) {
    case 'evidenceRecords':
      return metrics.evidenceRecords.inc({ kind: observation.kind });
    case 'timeToProvision':
    case 'timeToDeprovision':
      return metrics[observation.metric].observe(observation.seconds);
    case 'verificationFailures':
      return metrics.verificationFailures.inc({ app: observation.app, reason: observation.reason });
    case 'heldByOther':
    case 'tasksOverdue':
      return metrics[observation.metric].inc({ app: observation.app });
    case 'deadlineMissed':
      return metrics.deadlineMissed.inc();
    case 'driftFound':
      return metrics.driftFound.inc(
        { app: observation.app, step: observation.step },
        observation.entitlements,
      );
    case 'manualOverrides':
      return metrics.manualOverrides.inc({ action: observation.action });
  }
}

type AppendOnly = Pick<EvidenceStore, 'append' | 'appendAll'>;

export interface EvidenceMetricsOptions extends ObservationSettings {
  /** The configured applications: their per-application counters start at 0. Default: none. */
  appIds?: readonly string[];
  /** Default: the process's registry. */
  registry?: Registry;
}

/**
 * The store the evidence activities write to, with every record it newly appends counted in the
 * lifecycle metrics. Decorating the store rather than one activity counts every way a step writes
 * (one record, or a settled step's batch), and only what was written now: an append of a key the
 * store already had answers `duplicate`.
 */
export function withEvidenceMetrics(store: AppendOnly, options: EvidenceMetricsOptions): AppendOnly {
  const metrics = lifecycleEventMetrics(options.registry);
  for (const app of options.appIds ?? []) {
    for (const reason of VERIFICATION_FAILURES) metrics.verificationFailures.inc({ app, reason }, 0);
    metrics.heldByOther.inc({ app }, 0);
  }
  /** Counts a record the store newly wrote. */
  const count = (raw: unknown, appended: AppendResult) => {
    if (appended.duplicate) return;
    // The store validated the record before writing it, so this parse succeeds; it gives the
    // record its validated form (defaults filled in) to read.
    const valid = evidenceInputSchema.safeParse(raw);
    if (valid.success) {
      for (const observation of observationsOf(valid.data, options)) observe(metrics, observation);
    }
  };
  return {
    append: async (raw: unknown): Promise<AppendResult> => {
      const appended = await store.append(raw);
      count(raw, appended);
      return appended;
    },
    appendAll: async (raws: unknown[]): Promise<AppendResult[]> => {
      const appended = await store.appendAll(raws);
      appended.forEach((result, i) => count(raws[i], result));
      return appended;
    },
  };
}
