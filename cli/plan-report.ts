// Words for `jml plan`: what the policy would give a person and, against what jml holds for them now,
// what would be granted and revoked. Pure, so the wording is tested without a configuration or an API.
import type { IdentityStatus, LifecycleStage } from '../domain/lifecycle';
import type { AccessPlan, ApprovalStepPlan, PlannedEntitlement } from '../domain/policy';

/** What the API says about the person now; undefined when jml has never seen them. */
export type CurrentIdentity = Pick<IdentityStatus, 'stage' | 'plan'>;

export interface AppChange {
  grant: string[];
  revoke: string[];
}

export interface PlanDiff {
  /** False when jml has never seen the person: everything is a grant. */
  known: boolean;
  stage?: LifecycleStage;
  /** Version of the policy behind what jml holds now, when it holds a plan. */
  currentPolicyVersion?: string;
  /** Per application id: configured ones first, then any only the current plan still names. */
  apps: Record<string, AppChange>;
}

const UNITS = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
] as const;

/** The largest whole unit, in the notation the policy file uses (2d, 36h, 90m). */
export function formatDuration(ms: number): string {
  for (const [unit, size] of UNITS) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

export function diffPlans(next: AccessPlan, current: CurrentIdentity | undefined): PlanDiff {
  const held = current?.plan?.apps ?? {};
  const appIds = [...new Set([...Object.keys(next.apps), ...Object.keys(held)])];
  const apps: Record<string, AppChange> = {};
  for (const appId of appIds) {
    const wanted = next.apps[appId] ?? [];
    const had = held[appId] ?? [];
    apps[appId] = {
      grant: wanted.filter((e) => !had.includes(e)).sort(),
      revoke: had.filter((e) => !wanted.includes(e)).sort(),
    };
  }
  const diff: PlanDiff = { known: current !== undefined, apps };
  if (current) diff.stage = current.stage;
  if (current?.plan) diff.currentPolicyVersion = current.plan.policyVersion;
  return diff;
}

function stepLine(step: ApprovalStepPlan, index: number): string {
  const who = step.approvers.length ? step.approvers.join(', ') : 'nobody (step skipped)';
  return `    ${index + 1}. ${step.label}: ${who}`;
}

function entitlementLines(planned: PlannedEntitlement): string[] {
  const head = `  ${planned.entitlement} (${planned.risk}; roles: ${planned.roles.join(', ')})`;
  const { approval, maxDurationMs } = planned;
  const ends =
    maxDurationMs === undefined
      ? []
      : [`the access ends ${formatDuration(maxDurationMs)} after it is granted`];
  if (!approval) return [head, ...ends.map((line) => `    ${line}`)];
  const timing = `each step has ${formatDuration(approval.stepTimeoutMs)} to decide (reminder after ${formatDuration(approval.reminderAfterMs)})`;
  return [
    `${head} needs approval, asked in order:`,
    ...approval.chain.map(stepLine),
    `    ${[timing, ...ends].join('; ')}`,
  ];
}

/** The policy version, the matched roles, then per application what would be granted and on what terms. */
export function planLines(plan: AccessPlan): string[] {
  const lines = [
    `policy version ${plan.policyVersion}`,
    `roles: ${plan.roles.length ? plan.roles.join(', ') : 'none matched'}`,
  ];
  for (const appId of Object.keys(plan.apps)) {
    const planned = plan.entitlements.filter((e) => e.appId === appId);
    if (planned.length === 0) lines.push(`${appId}: nothing`);
    else lines.push(`${appId}:`, ...planned.flatMap(entitlementLines));
  }
  return lines;
}

function diffHeading(diff: PlanDiff): string {
  if (!diff.known) return 'not known to jml: everything is a grant';
  if (diff.currentPolicyVersion === undefined) {
    return `against what jml holds now (${diff.stage}, no access planned): everything is a grant`;
  }
  return `against what jml holds now (${diff.stage}, policy version ${diff.currentPolicyVersion}):`;
}

/** Per application: `+` would be granted, `-` would be revoked. */
export function diffLines(diff: PlanDiff): string[] {
  const lines = [diffHeading(diff)];
  for (const [appId, change] of Object.entries(diff.apps)) {
    if (change.grant.length === 0 && change.revoke.length === 0) {
      lines.push(`${appId}: no change`);
      continue;
    }
    lines.push(`${appId}:`, ...change.grant.map((e) => `  + ${e}`), ...change.revoke.map((e) => `  - ${e}`));
  }
  return lines;
}

export function planReport(plan: AccessPlan, diff?: PlanDiff): string[] {
  return diff ? [...planLines(plan), '', ...diffLines(diff)] : planLines(plan);
}
