// The evidence store the workflow tests write to: the PostgreSQL `npm test` starts for the run
// (scripts/test.ts), and the signing key of the run. Each worker opens its own pool and closes it.
import { EvidenceStore } from '../../evidence/store';
import { signingKeyFrom } from '../../evidence/settings';

function required(name: 'JML_TEST_EVIDENCE_URL' | 'JML_TEST_EVIDENCE_SIGNING_KEY'): string {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: run the tests with \`npm test\`, which starts the evidence store`);
  return value;
}

export function openTestEvidenceStore(): Promise<EvidenceStore> {
  return EvidenceStore.open(
    { kind: 'postgres', url: required('JML_TEST_EVIDENCE_URL') },
    signingKeyFrom({ JML_EVIDENCE_SIGNING_KEY: required('JML_TEST_EVIDENCE_SIGNING_KEY') }),
  );
}

/** The environment for a jml process a test starts (a worker, the CLI) to use the same store. */
export function testEvidenceEnv(): Record<string, string> {
  return {
    JML_EVIDENCE_URL: required('JML_TEST_EVIDENCE_URL'),
    JML_EVIDENCE_SIGNING_KEY: required('JML_TEST_EVIDENCE_SIGNING_KEY'),
  };
}
