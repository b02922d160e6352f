// The evidence activity: a workflow step hands it one record and it is appended to the person's
// chain in the evidence store. Idempotent by the record's key, so a retried activity or a replayed
// workflow never writes twice. Nothing of the record comes back but where it was written.
import { ApplicationFailure } from '@temporalio/activity';
import type { EvidenceInput } from '../domain/evidence-record';
import { EvidenceConflictError, EvidenceInputError, EvidenceUnavailableError } from '../evidence/errors';
import type { EvidenceStore } from '../evidence/store';

export const INVALID_EVIDENCE = 'InvalidEvidence';
export const EVIDENCE_CONFLICT = 'EvidenceConflict';
export const EVIDENCE_UNAVAILABLE = 'EvidenceUnavailable';

export type EvidenceActivities = ReturnType<typeof evidenceActivities>;

export interface RecordedEvidence {
  id: string;
  chainId: string;
  seq: number;
  hash: string;
  recordedAt: string;
  /** The key had been recorded before: this is the first record, and nothing was written now. */
  duplicate: boolean;
}

/** The activity, over an open store (the worker opens it with EvidenceStore.open and closes it at shutdown). */
export function evidenceActivities(store: Pick<EvidenceStore, 'append' | 'appendAll'>) {
  return {
    /**
     * A settled step's records, appended in order. A retry after a partial failure appends the rest:
     * the ones already written are recognised by their keys.
     */
    recordEvidenceBatch: async (
      records: EvidenceInput[],
    ): Promise<{ written: number; duplicates: number }> => {
      try {
        const written = (await store.appendAll(records)).filter((r) => !r.duplicate).length;
        return { written, duplicates: records.length - written };
      } catch (error) {
        throw evidenceFailure(error);
      }
    },
    recordEvidence: async (record: EvidenceInput): Promise<RecordedEvidence> => {
      try {
        const { record: stored, duplicate } = await store.append(record);
        return {
          id: stored.id,
          chainId: stored.chainId,
          seq: stored.seq,
          hash: stored.hash,
          recordedAt: stored.recordedAt,
          duplicate,
        };
      } catch (error) {
        throw evidenceFailure(error);
      }
    },
  };
}

/**
 * A store that cannot be reached is tried again (evidence must not be lost); an invalid record or a
 * key reused for other content is a fault in the step that wrote it, which no retry mends.
 */
export function evidenceFailure(error: unknown): ApplicationFailure {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof EvidenceUnavailableError) {
    return ApplicationFailure.create({ type: EVIDENCE_UNAVAILABLE, message, nonRetryable: false });
  }
  if (error instanceof EvidenceInputError) {
    return ApplicationFailure.create({
      type: INVALID_EVIDENCE,
      message,
      nonRetryable: true,
      details: [error.problems],
    });
  }
  if (error instanceof EvidenceConflictError) {
    return ApplicationFailure.create({ type: EVIDENCE_CONFLICT, message, nonRetryable: true });
  }
  return ApplicationFailure.create({ type: 'UnexpectedError', message, nonRetryable: true });
}
