// One-line summaries on activities and timers, so the event history in the Temporal UI reads as the
// lifecycle: which application, which operation, for whom. Employee ids, application ids and
// entitlement names only: summaries are metadata, and carry no personal data.

const list = (names: readonly string[]) => (names.length ? names.join(', ') : 'nothing');

export const summaries = {
  plan: (employeeId: string) => `plan ${employeeId}'s access from the policy`,
  provision: (appId: string, employeeId: string, entitlements: readonly string[], readsBack = false) =>
    `${appId}: create or find ${employeeId}'s account, grant ${list(entitlements)}${readsBack ? ', read back' : ''}`,
  revoke: (appId: string, employeeId: string, entitlements: readonly string[]) =>
    `${appId}: revoke ${list(entitlements)} from ${employeeId}`,
  deprovision: (appId: string, employeeId: string, mode: string, readsBack = false) =>
    `${appId}: disable ${employeeId}, end sessions, revoke everything${mode === 'delete' ? ', delete' : ''}${readsBack ? ', read back' : ''}`,
  readBack: (appId: string, employeeId: string) => `${appId}: read ${employeeId}'s account back`,
  standing: (employeeId: string) => `is ${employeeId} still employed?`,
  notifyApprovers: (requestId: string, kind: string) => `tell approvers of ${requestId} (${kind})`,
  sendTask: (appId: string, taskId: string, kind: string) => `${appId}: send task ${taskId} (${kind})`,

  untilEffective: (what: string, eventId: string) => `wait until effective: ${what} (event ${eventId})`,
  interruptWhenDue: (eventId: string) => `when ${eventId} is due: interrupt the step under way`,
  nextScheduledRevocation: 'wait for the next scheduled revocation',
  retryBackoff: (appId: string, attempt: number) => `${appId}: retry after attempt ${attempt}`,
  approvalReminder: (requestId: string, step: string) => `${requestId}: remind ${step} if undecided`,
  approvalEscalation: (requestId: string, step: string) => `${requestId}: escalate past ${step} if undecided`,
  taskEscalation: (taskId: string) => `${taskId}: escalate if not done`,
  taskResend: (taskId: string, attempt: number) => `${taskId}: send again after attempt ${attempt}`,
  stallWatch: 'flag an application call that does not answer',
  evidence: (eventId: string, records: number) => `record ${records} evidence record(s) of event ${eventId}`,
  attention: (appId: string, reason: string) => `record that ${appId} needs attention (${reason})`,
  override: (appId: string, action: string) => `record the operator's ${action} of ${appId}`,
  deprovisionDeadline: (deadline: string) => `flag the leaver if not verified by ${deadline}`,
} as const;
