// Replays recorded histories of real runs against today's workflow code: a change that would break
// workflows already running (non-determinism) fails here. Re-record with JML_RECORD_HISTORIES=1 npm test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { testDataConverter } from '../support/encryption';
import { HISTORIES_DIR } from '../support/histories';
import { workflowBundle } from '../support/temporal';

const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json'));

void test('recorded histories exist for the joiner, an approval, the leaver, a termination during a joiner, a superseded approval and a manual leaver', () => {
  assert.deepEqual(files.sort(), [
    'approval-granted.json',
    'approval-superseded.json',
    'joiner-active.json',
    'leaver-left.json',
    'manual-leaver.json',
    'termination-during-joiner.json',
  ]);
});

for (const file of files) {
  void test(`replays ${file} deterministically`, async () => {
    const history = historyFromJSON(JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8')));
    // Histories recorded from encrypted runs decode with the tests' key; older plaintext ones pass through.
    await Worker.runReplayHistory(
      { workflowBundle: await workflowBundle(), dataConverter: testDataConverter() },
      history,
      file,
    );
  });
}
