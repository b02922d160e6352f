// `jml guard status|approve|reject`: what the mass-termination guard holds, and a guard approver's
// decision on it, over the HTTP API (GET /v1/guard, POST /v1/guard/decisions).
import type { Command } from 'commander';
import { answer, apiFetch, bearer, personalTokenHolder } from './api-client';
import { EXIT, UsageError, type ExitCode } from './exit-codes';
import { examples } from './help-text';
import { printJson, table } from './output';
import { exiting } from './run';

interface GuardView {
  enabled: boolean;
  running: boolean;
  workflowId: string;
  limit: number;
  admittedInWindow: number;
  windowFreesAt?: string;
  approvers: string[];
  held: { holdId: string; employeeId: string; eventId: string; heldAt: string; effectiveAt?: string }[];
  releasing: number;
}

interface GuardDecisionView {
  approve: boolean;
  approver: string;
  via: string;
  employeeIds: string[];
  held: number;
}

export function guardSummary(guard: GuardView): string {
  const state = guard.enabled ? 'on' : 'off (terminations are not admitted through it)';
  const lines = [
    `mass-termination guard ${state}: ${guard.admittedInWindow} termination(s) admitted in the last hour, ` +
      `limit ${guard.limit}; approvers: ${guard.approvers.join(', ') || 'none (guard.approvers is empty)'}`,
  ];
  if (guard.releasing > 0) lines.push(`${guard.releasing} released termination(s) being handed over`);
  if (guard.held.length === 0) lines.push('nothing is held');
  else {
    lines.push(
      `${guard.held.length} termination(s) held (workflow ${guard.workflowId}):`,
      table(
        ['HOLD', 'EMPLOYEE', 'EVENT', 'HELD AT', 'EFFECTIVE'],
        guard.held.map((h) => [h.holdId, h.employeeId, h.eventId, h.heldAt, h.effectiveAt ?? '']),
      ),
    );
  }
  return lines.join('\n');
}

async function showGuard(options: { json?: boolean }): Promise<ExitCode> {
  const response = await apiFetch('/v1/guard', { headers: bearer() });
  const guard = await answer<GuardView>(response, 'reading the guard');
  if (options.json) printJson(guard);
  else console.log(guardSummary(guard));
  return EXIT.done;
}

interface DecideOptions {
  as?: string;
  employee?: string[];
  reason?: string;
  json?: boolean;
}

async function decide(approve: boolean, options: DecideOptions): Promise<ExitCode> {
  const approver = options.as ?? personalTokenHolder();
  if (!approver) throw new UsageError('--as <approverId> is needed without a personal token');
  const response = await apiFetch('/v1/guard/decisions', {
    method: 'POST',
    headers: { ...bearer(), 'content-type': 'application/json' },
    body: JSON.stringify({ approve, approver, reason: options.reason, employeeIds: options.employee }),
  });
  const decided = await answer<GuardDecisionView>(response, approve ? 'approve' : 'reject');
  if (options.json) printJson(decided);
  else {
    console.log(
      `${approve ? 'released' : 'dropped'} ${decided.employeeIds.length} termination(s) by ${decided.approver} ` +
        `(${decided.via}); ${decided.held} still held`,
    );
  }
  return EXIT.done;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function guardCommands(program: Command): void {
  const guard = program
    .command('guard')
    .description(
      'the mass-termination guard: terminations held beyond the hourly limit, and decisions on them',
    );

  guard
    .command('status')
    .description('show what the guard holds, its limit, the last hour and its approvers')
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', examples('jml guard status', 'jml guard status --json'))
    .action(exiting(showGuard));

  for (const approve of [true, false]) {
    const verb = approve ? 'approve' : 'reject';
    guard
      .command(verb)
      .description(
        approve
          ? 'release held terminations to their leavers (a guard approver only; exit 1, the API 409, otherwise)'
          : 'drop held terminations: nothing of those people is removed (a guard approver only)',
      )
      .option('--as <approverId>', 'who decides (default: the holder of JML_PERSONAL_TOKEN)')
      .option(
        '--employee <id>',
        'only this person (repeat for more; default: every held termination)',
        collect,
      )
      .option('--reason <text>', 'why, kept with the decision')
      .option('--json', 'print the decision as JSON')
      .addHelpText(
        'after',
        examples(
          `jml guard ${verb} --as E0001 --reason "${approve ? 'site closure, confirmed with HR' : 'HR feed error'}"`,
          `jml guard ${verb} --as E0001 --employee E2001 --employee E2002`,
        ),
      )
      .action(exiting((options: DecideOptions) => decide(approve, options)));
  }
}
