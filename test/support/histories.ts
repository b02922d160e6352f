// Records workflow histories of real test runs into test/histories/ (JML_RECORD_HISTORIES=1 npm test),
// so replay tests catch changes that would break workflows already running. The Temporal CLI writes
// the canonical JSON that historyFromJSON reads.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { temporalCli } from '../../scripts/lib/tools';
import { temporalAddress } from './temporal';

export const HISTORIES_DIR = join(__dirname, '..', 'histories');

export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.JML_RECORD_HISTORIES !== '1') return;
  const { runId } = await handle.describe();
  const json = execFileSync(
    temporalCli(),
    [
      'workflow',
      'show',
      '--workflow-id',
      handle.workflowId,
      '--run-id',
      runId,
      '--address',
      temporalAddress(),
      '--output',
      'json',
    ],
    { encoding: 'utf8' },
  );
  writeFileSync(join(HISTORIES_DIR, `${name}.json`), json);
}
