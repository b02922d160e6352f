// Evidence records for the store's tests: a person's approval decisions, and records written with
// SQL the way jml would write them (hashes made with the published format), as a forger would.
import { evidenceKey, type EvidenceInput } from '../../domain/evidence-record';
import { recordHash } from '../../evidence/record-hash';
import { INSERT_RECORD, insertValues, type StoredRecord } from '../../evidence/record-rows';
import type { EvidenceStore } from '../../evidence/store';
import { tamper, type EvidenceFixture } from './evidence-backends';

/** An approver's decision on the person's n-th request. */
export function decision(employeeId: string, n: number, changes: Partial<EvidenceInput> = {}): EvidenceInput {
  const requestId = `apr-0a1b2c3d-${n}-${employeeId}`;
  const at = new Date(Date.UTC(2026, 11, 1, 9, n)).toISOString();
  return {
    key: evidenceKey({
      workflowId: `identity-${employeeId}`,
      employment: '0a1b2c3d',
      step: requestId,
      appId: 'crm',
      kind: 'approval-decision',
    }),
    employeeId,
    appId: 'crm',
    occurredAt: at,
    kind: 'approval-decision',
    body: { requestId, approve: true, approver: 'E0001', via: 'personal token', decidedAt: at },
    ...changes,
  } as EvidenceInput;
}

/** Records 1..count of the person's decisions; returns their chain. */
export async function decisions(
  store: EvidenceStore,
  employeeId: string,
  count: number,
): Promise<StoredRecord[]> {
  for (let n = 1; n <= count; n += 1) await store.append(decision(employeeId, n));
  return store.chainOf(employeeId);
}

export async function withStore<T>(
  fixture: EvidenceFixture,
  work: (store: EvidenceStore) => Promise<T>,
): Promise<T> {
  const store = await fixture.open();
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** The record with a changed body and its hash made anew, as someone who knows the format would. */
export function rewritten(record: StoredRecord, body: Record<string, unknown>, prevHash = record.prevHash) {
  const changed = { ...record, prevHash, body: { ...(record.body as object), ...body } };
  return { ...changed, hash: recordHash(changed) };
}

/** Inserts a record with jml's own statement, its hash made the way jml makes it. */
export async function insertForged(
  fixture: EvidenceFixture,
  record: Omit<StoredRecord, 'id' | 'hash'>,
): Promise<{ id: string; hash: string }> {
  const hash = recordHash(record);
  let id = '';
  await tamper(fixture, async (sql) => {
    const [row] = await sql<{ id: string }>(INSERT_RECORD, insertValues(record, hash));
    id = row!.id;
  });
  return { id, hash };
}
