// Role rules → access plan: which entitlements a person gets in which application, why (roles), how
// risky each is, and who must approve the privileged ones — resolved to employee ids.
import type { Employee } from './hr-event';
import type { ApproverStep, Policy, RiskLevel, RoleRule } from './policy-schema';

/** One step of a resolved approval chain. */
export interface ApprovalStepPlan {
  /** In words, e.g. "manager", "owner of crm", "group security". */
  label: string;
  /** Who may decide at this step; never the person themselves. Empty: the step is skipped. */
  approvers: string[];
}

export interface PlannedEntitlement {
  appId: string;
  entitlement: string;
  risk: RiskLevel;
  /** The roles that justify it. */
  roles: string[];
  /** Present for privileged entitlements: nobody gets them without this chain's approval. */
  approval?: { chain: ApprovalStepPlan[]; stepTimeoutMs: number; reminderAfterMs: number };
  /** Time-bound access: revoked this long after it was granted. */
  maxDurationMs?: number;
}

export interface AccessPlan {
  /** Version of the policy that produced this plan (evidence for auditors). */
  policyVersion: string;
  /** Ids of the roles that matched. */
  roles: string[];
  /** Sorted entitlements per application id, privileged ones included. Every configured application appears. */
  apps: Record<string, string[]>;
  /** Each planned entitlement with its risk and approval requirement, sorted by application and name. */
  entitlements: PlannedEntitlement[];
}

const MATCHED_ATTRIBUTES = ['department', 'title', 'location', 'employmentType'] as const;

export function roleMatches(rule: RoleRule, employee: Employee): boolean {
  return MATCHED_ATTRIBUTES.every((attr) => {
    const allowed = rule.when[attr];
    return allowed === undefined || allowed.includes(employee[attr]);
  });
}

function resolveStep(
  step: ApproverStep,
  appId: string,
  employee: Employee,
  policy: Policy,
): ApprovalStepPlan {
  const without = (ids: string[]) => [...new Set(ids)].filter((id) => id !== employee.id).sort();
  if (step === 'manager')
    return { label: 'manager', approvers: without(employee.managerId ? [employee.managerId] : []) };
  if (step === 'owner')
    return { label: `owner of ${appId}`, approvers: without(policy.applications[appId]?.owners ?? []) };
  if ('group' in step)
    return { label: `group ${step.group}`, approvers: without(policy.approverGroups[step.group] ?? []) };
  return { label: `employee ${step.employee}`, approvers: without([step.employee]) };
}

export function planAccess(
  employee: Employee,
  policy: Policy,
  appIds: string[],
  policyVersion: string,
): AccessPlan {
  const justified = new Map<string, Set<string>>(); // "app\u0000entitlement" → roles
  const roles: string[] = [];
  for (const rule of policy.roles) {
    if (!roleMatches(rule, employee)) continue;
    roles.push(rule.id);
    for (const [appId, names] of Object.entries(rule.grants)) {
      if (!appIds.includes(appId)) continue;
      for (const name of names) {
        const key = `${appId}\u0000${name}`;
        justified.set(key, (justified.get(key) ?? new Set()).add(rule.id));
      }
    }
  }
  const entitlements: PlannedEntitlement[] = [...justified.entries()]
    .map(([key, byRoles]) => {
      const [appId, entitlement] = key.split('\u0000') as [string, string];
      const spec = policy.applications[appId]?.entitlements[entitlement];
      const planned: PlannedEntitlement = {
        appId,
        entitlement,
        risk: spec?.risk ?? 'low',
        roles: [...byRoles],
      };
      if (spec?.approval) {
        planned.approval = {
          chain: spec.approval.chain.map((step) => resolveStep(step, appId, employee, policy)),
          stepTimeoutMs: spec.approval.stepTimeout,
          reminderAfterMs: spec.approval.reminderAfter ?? Math.floor(spec.approval.stepTimeout / 2),
        };
      }
      if (spec?.maxDuration) planned.maxDurationMs = spec.maxDuration;
      return planned;
    })
    .sort((a, b) => (a.appId + '\u0000' + a.entitlement < b.appId + '\u0000' + b.entitlement ? -1 : 1));
  const apps: Record<string, string[]> = Object.fromEntries(appIds.map((id) => [id, [] as string[]]));
  for (const e of entitlements) apps[e.appId]!.push(e.entitlement);
  return { policyVersion, roles, apps, entitlements };
}
