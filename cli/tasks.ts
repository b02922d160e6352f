// `jml tasks` and `jml done`: the fulfiller's side of manual applications, over the HTTP API.
import type { Command } from 'commander';
import type { ManualTask } from '../domain/lifecycle';
import { answer, apiFetch, bearer, personalTokenHolder } from './api-client';
import { EXIT, UsageError, type ExitCode } from './exit-codes';
import { examples } from './help-text';
import { printJson, table } from './output';
import { exiting } from './run';

export function tasksTable(tasks: ManualTask[]): string {
  if (tasks.length === 0) return 'no manual task is open';
  return table(
    ['TASK', 'EMPLOYEE', 'APP', 'ASSIGNED TO', 'UNTIL', 'ESCALATED', 'INSTRUCTIONS'],
    tasks.map((t) => [
      t.taskId,
      t.employeeId,
      t.appId,
      t.assignees.join(', '),
      t.deadline,
      t.escalations ? `${t.escalations}×` : '',
      t.instructions,
    ]),
  );
}

async function listTasks(options: { assignee?: string; json?: boolean }): Promise<ExitCode> {
  const query = options.assignee ? `?assignee=${encodeURIComponent(options.assignee)}` : '';
  const response = await apiFetch(`/v1/tasks${query}`, { headers: bearer() });
  const body = await answer<{ tasks: ManualTask[] }>(response, 'listing tasks');
  if (options.json) printJson(body);
  else console.log(tasksTable(body.tasks));
  return EXIT.done;
}

interface DoneOptions {
  as?: string;
  note?: string;
  json?: boolean;
}

async function done(taskId: string, options: DoneOptions): Promise<ExitCode> {
  const by = options.as ?? personalTokenHolder();
  if (!by) throw new UsageError('--as <employeeId> is needed without a personal token');
  const response = await apiFetch(`/v1/tasks/${encodeURIComponent(taskId)}`, {
    method: 'POST',
    headers: { ...bearer(), 'content-type': 'application/json' },
    body: JSON.stringify({ by, note: options.note }),
  });
  const task = await answer<ManualTask>(response, 'done');
  if (options.json) printJson(task);
  else console.log(`${task.taskId}: done by ${task.completedBy}`);
  return EXIT.done;
}

export function taskCommands(program: Command): void {
  program
    .command('tasks')
    .description('list the manual tasks open (for one fulfiller)')
    .option('--assignee <id>', 'only the tasks assigned to this person')
    .option('--json', 'print the API answer as JSON instead of a table')
    .addHelpText('after', examples('jml tasks', 'jml tasks --assignee E0500 --json'))
    .action(exiting(listTasks));

  program
    .command('done')
    .description('attest that a manual task is done')
    .argument('<taskId>', 'the task, as jml tasks lists it')
    .option('--as <employeeId>', 'who attests (default: the holder of JML_PERSONAL_TOKEN)')
    .option('--note <text>', 'what was done, kept with the attestation')
    .option('--json', 'print the completed task as JSON')
    .addHelpText('after', examples('jml done task-1a2b3c4d-1-E1002 --as E0500 --note "badge 4411"'))
    .action(exiting(done));
}
