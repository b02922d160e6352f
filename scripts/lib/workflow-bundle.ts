// jml's workflow code bundled as a worker bundles it in production: with the failure converter, so
// workflow failures are encrypted too. `npm test` bundles once and hands the file to every test file.
import { readFileSync, writeFileSync } from 'node:fs';
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../../encryption/data-converter';

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };

export function bundleWorkflows(): Promise<WorkflowBundle> {
  return bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: quietLogger,
  });
}

/** Bundles the workflow code into `file`. */
export async function writeWorkflowBundle(file: string): Promise<void> {
  writeFileSync(file, (await bundleWorkflows()).code);
}

export function readWorkflowBundle(file: string): WorkflowBundle {
  return { code: readFileSync(file, 'utf8') };
}
