// `jml tasks` and `jml done`: the fulfiller's side of manual applications, over the HTTP API.
import type { ManualTask } from '../domain/lifecycle';
import { answer, apiFetch, bearer, parseCommand, personalTokenHolder, UsageError } from './api-client';

export function describeTask(t: ManualTask): string {
  return (
    `${t.taskId}  ${t.employeeId} → ${t.appId}: ${t.instructions}  ` +
    `assigned to ${t.assignees.join(', ')}  until ${t.deadline}${t.escalations ? `  (escalated ${t.escalations}×)` : ''}`
  );
}

export async function listTasks(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, { assignee: { type: 'string' } });
  if (positionals.length) throw new UsageError('jml tasks takes no arguments but --assignee <id>');
  const query = values.assignee ? `?assignee=${encodeURIComponent(values.assignee)}` : '';
  const body = await answer<{ tasks: ManualTask[] }>(
    await apiFetch(`/v1/tasks${query}`, { headers: bearer() }),
    'listing tasks',
  );
  if (!body) return 1;
  if (body.tasks.length === 0) console.log('no manual task is open');
  for (const task of body.tasks) console.log(describeTask(task));
  return 0;
}

export async function doneCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, { as: { type: 'string' }, note: { type: 'string' } });
  const by = values.as ?? personalTokenHolder();
  if (positionals.length !== 1 || !by)
    throw new UsageError('usage: jml done <taskId> --as <employeeId> [--note <text>]');
  const response = await apiFetch(`/v1/tasks/${encodeURIComponent(positionals[0]!)}`, {
    method: 'POST',
    headers: { ...bearer(), 'content-type': 'application/json' },
    body: JSON.stringify({ by, note: values.note }),
  });
  const task = await answer<ManualTask>(response, 'done');
  if (!task) return 1;
  console.log(`${task.taskId}: done by ${task.completedBy}`);
  return 0;
}
