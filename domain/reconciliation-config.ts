// The reconciliation's configuration: the Schedule (`reconciliation`) and what each application lets a
// run do about what it finds (`applications[].reconcile`). Kept apart from config.ts, which includes it.
import { z } from 'zod';
import { durationSchema } from './duration';

/** `remediate`: an orphan is terminated through the leaver path; `report`: only listed. */
export const ORPHAN_ACTIONS = ['remediate', 'report'] as const;
/** `revoke`: access the plan does not justify is removed by the person's workflow; `report`: only listed. */
export const DRIFT_ACTIONS = ['revoke', 'report'] as const;
/** `grant`: birthright access the account lacks is granted again by the person's workflow; `report`: only listed. */
export const MISSING_ACTIONS = ['grant', 'report'] as const;

export const RECONCILE_DEFAULTS = { orphans: 'report', drift: 'report', missing: 'grant' } as const;

export const reconcileSettingsSchema = z.strictObject({
  /**
   * Accounts of someone jml does not hold to be employed (never seen, or left): `remediate` sends a
   * termination through the intake, so the leaver removes them everywhere and verifies it. Default: report.
   */
  orphans: z.enum(ORPHAN_ACTIONS).default(RECONCILE_DEFAULTS.orphans),
  /** Entitlements an active person holds beyond their plan: `revoke` has their workflow remove them. Default: report. */
  drift: z.enum(DRIFT_ACTIONS).default(RECONCILE_DEFAULTS.drift),
  /** Birthright entitlements (no approval needed) an active person's account lacks. Default: grant. */
  missing: z.enum(MISSING_ACTIONS).default(RECONCILE_DEFAULTS.missing),
});
export type ReconcileSettings = z.output<typeof reconcileSettingsSchema>;

/** An application's settings, the defaults where it sets none. */
export function reconcileSettingsOf(app: { reconcile?: Partial<ReconcileSettings> }): ReconcileSettings {
  return { ...RECONCILE_DEFAULTS, ...app.reconcile };
}

export const RECONCILIATION_DEFAULTS = {
  enabled: false,
  interval: 3_600_000,
  pageSize: 200,
  settleTimeout: 600_000,
} as const;

export const reconciliationSchema = z.strictObject({
  /**
   * Whether the service registers the reconciliation Schedule at start-up (and removes it when false).
   * `jml reconcile` runs one whatever this says. Default: false (the example configuration turns it on).
   */
  enabled: z.boolean().default(RECONCILIATION_DEFAULTS.enabled),
  /** How often the Schedule runs a reconciliation. Default: 1h. */
  interval: durationSchema.default(RECONCILIATION_DEFAULTS.interval),
  /** Accounts read per listing request (one activity each). Default: 200. */
  pageSize: z.number().int().min(1).max(1000).default(RECONCILIATION_DEFAULTS.pageSize),
  /**
   * How long a run waits for what it set in motion (leavers, drift corrections) to be verified by
   * read-back; what is not by then is reported as remediated and not verified. Default: 10m.
   */
  settleTimeout: durationSchema.default(RECONCILIATION_DEFAULTS.settleTimeout),
});
export type ReconciliationSettings = z.output<typeof reconciliationSchema>;
