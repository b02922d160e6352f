// Role rules → access plan: which entitlements a person gets in which application, and why.
import type { Employee } from './hr-event';
import type { RoleRule } from './config';

export interface AccessPlan {
  /** Version of the rules that produced this plan (evidence for auditors). */
  policyVersion: string;
  /** Ids of the roles that matched. */
  roles: string[];
  /** Sorted, de-duplicated entitlements per application id. Every configured application appears. */
  apps: Record<string, string[]>;
}

const MATCHED_ATTRIBUTES = ['department', 'title', 'location', 'employmentType'] as const;

export function roleMatches(rule: RoleRule, employee: Employee): boolean {
  return MATCHED_ATTRIBUTES.every((attr) => {
    const allowed = rule.when[attr];
    return allowed === undefined || allowed.includes(employee[attr]);
  });
}

export function planAccess(
  employee: Employee,
  rules: RoleRule[],
  appIds: string[],
  policyVersion: string,
): AccessPlan {
  const grants = new Map<string, Set<string>>(appIds.map((id) => [id, new Set<string>()]));
  const roles: string[] = [];
  for (const rule of rules) {
    if (!roleMatches(rule, employee)) continue;
    roles.push(rule.id);
    for (const [appId, entitlements] of Object.entries(rule.grants)) {
      const set = grants.get(appId);
      if (set) entitlements.forEach((e) => set.add(e));
    }
  }
  const apps: Record<string, string[]> = {};
  for (const [appId, set] of grants) apps[appId] = [...set].sort();
  return { policyVersion, roles, apps };
}
