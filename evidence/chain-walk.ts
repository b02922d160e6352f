// One chain, checked record by record against its hashes and signed checkpoints, stopping at the
// first record that does not fit and saying how it does not: edited (its content no longer matches
// its hash, or differs from what was signed), deleted (a number missing, or signed but gone),
// inserted (a record no signature or link accounts for), reordered (its content belongs at another
// number), or a checkpoint whose signature fails. Later findings in the same chain would only be
// consequences of the first, so they are not reported.
import type { Cursor } from './cursor';
import { GENESIS_HASH, recordHash } from './record-hash';
import type { StoredCheckpoint, StoredRecord } from './record-rows';
import type { CheckpointCheck } from './signing';

export const PROBLEM_KINDS = ['edited', 'deleted', 'inserted', 'reordered', 'forged-checkpoint'] as const;
export type ProblemKind = (typeof PROBLEM_KINDS)[number];

export interface EvidenceProblem {
  kind: ProblemKind;
  chainId: string;
  /** The sequence number where the chain stops fitting. */
  seq: number;
  /** The record at fault, when there is one (a deleted record has none). */
  recordId?: string;
  /** The checkpoint at fault or in evidence. */
  checkpointId?: string;
  message: string;
}

export interface ChainWalk {
  chainId: string;
  /** The first sequence number walked: 1, or the record before a time window. */
  startSeq: number;
  /** Whether the walk reaches the chain's end, so that the tail and the head row are checked too. */
  reachesEnd: boolean;
  /** The chain's highest number anywhere (records, checkpoints, head): where a moved record may have come from. */
  maxSeq: number;
  /** The chain's head row, when there is one. */
  head?: { seq: number; hash: string };
  records: Cursor<StoredRecord>;
  checkpoints: Cursor<StoredCheckpoint>;
  checkSignature: (checkpoint: StoredCheckpoint) => CheckpointCheck;
}

export interface WalkResult {
  problem?: EvidenceProblem;
  records: number;
  checkpoints: number;
}

export async function walkChain(walk: ChainWalk): Promise<WalkResult> {
  const { chainId } = walk;
  let records = 0;
  let checkpoints = 0;
  const result = (problem?: Omit<EvidenceProblem, 'chainId'>): WalkResult => ({
    problem: problem && { chainId, ...problem },
    records,
    checkpoints,
  });
  const forged = (checkpoint: StoredCheckpoint) => {
    const check = walk.checkSignature(checkpoint);
    checkpoints += 1;
    if (check === 'valid') return undefined;
    const why =
      check === 'unknown-key'
        ? `is signed with key ${checkpoint.keyId}, which is not among the trusted public keys`
        : `has a signature that does not verify with key ${checkpoint.keyId}`;
    return result({
      kind: 'forged-checkpoint',
      seq: checkpoint.upToSeq,
      checkpointId: checkpoint.id,
      message: `checkpoint ${checkpoint.id} (up to seq ${checkpoint.upToSeq}, signed at ${checkpoint.signedAt}) ${why}`,
    });
  };

  let expected = walk.startSeq;
  // Where the walk starts inside a chain, the first record's link lies outside what is checked.
  let prevHash: string | undefined = walk.startSeq === 1 ? GENESIS_HASH : undefined;
  let lastSeq = walk.startSeq - 1;
  let lastCovered = walk.startSeq - 1;

  for (let record = await walk.records.next(); record; record = await walk.records.next()) {
    const seq = record.seq;
    for (const passed of await walk.checkpoints.takeWhile((c) => c.upToSeq < seq)) {
      const bad = forged(passed);
      if (bad) return bad;
      return result({
        kind: 'deleted',
        seq: Math.min(passed.upToSeq, expected),
        checkpointId: passed.id,
        message: `record seq ${passed.upToSeq} is missing, though checkpoint ${passed.id} signed it at ${passed.signedAt}`,
      });
    }
    if (seq > expected) {
      const missing =
        seq - 1 === expected ? `record seq ${expected} is` : `records seq ${expected} to ${seq - 1} are`;
      return result({
        kind: 'deleted',
        seq: expected,
        message: `${missing} missing (the chain goes on at seq ${seq}, record ${record.id})`,
      });
    }
    const signed = await walk.checkpoints.takeWhile((c) => c.upToSeq === seq);
    for (const checkpoint of signed) {
      const bad = forged(checkpoint);
      if (bad) return bad;
    }
    const next = await walk.records.peek();
    if (next?.seq === seq) {
      const twins = [record, ...(await walk.records.takeWhile((r) => r.seq === seq))];
      const after = await walk.records.peek();
      const genuine =
        twins.find((r) => signed.some((c) => c.hash === r.hash)) ??
        twins.find((r) => after?.prevHash === r.hash) ??
        twins[0]!;
      const extra = twins.find((r) => r !== genuine)!;
      return result({
        kind: 'inserted',
        seq,
        recordId: extra.id,
        message: `record ${extra.id} is a second record at seq ${seq} (beside record ${genuine.id})`,
      });
    }
    const signedHash = signed[0]?.hash;
    // The record now after this one carries the hash signed for this number: this one was slipped in before it.
    const slippedIn = signedHash !== undefined && next?.hash === signedHash;
    if (recordHash(record) !== record.hash) {
      const belongsAt = seqThatFits(record, walk.maxSeq);
      if (belongsAt !== undefined) {
        return result({
          kind: 'reordered',
          seq,
          recordId: record.id,
          message: `record ${record.id} stands at seq ${seq}, but its hash was made for seq ${belongsAt}: records were reordered`,
        });
      }
      if (slippedIn) return result(insertedBefore(record, next));
      return result({
        kind: 'edited',
        seq,
        recordId: record.id,
        message: `record ${record.id} at seq ${seq} was edited: its content no longer matches its hash`,
      });
    }
    const differing = signed.find((c) => c.hash !== record.hash);
    if (differing) {
      if (slippedIn) return result(insertedBefore(record, next));
      return result({
        kind: 'edited',
        seq,
        recordId: record.id,
        checkpointId: differing.id,
        message:
          `record ${record.id} at seq ${seq} differs from what checkpoint ${differing.id} signed at ` +
          `${differing.signedAt}: it was rewritten and its hash made anew`,
      });
    }
    if (prevHash !== undefined && record.prevHash !== prevHash) {
      return result({
        kind: 'inserted',
        seq,
        recordId: record.id,
        message: `record ${record.id} at seq ${seq} does not follow the record before it (its previous hash differs): it was inserted, or the one before it rewritten`,
      });
    }
    if (signed.length) lastCovered = seq;
    prevHash = record.hash;
    lastSeq = seq;
    expected = seq + 1;
    records += 1;
  }

  for (const beyond of await walk.checkpoints.takeWhile(() => true)) {
    const bad = forged(beyond);
    if (bad) return bad;
    return result({
      kind: 'deleted',
      seq: lastSeq + 1,
      checkpointId: beyond.id,
      message: `the chain ends at seq ${lastSeq}, but checkpoint ${beyond.id} signed it up to seq ${beyond.upToSeq} at ${beyond.signedAt}: the last records were deleted`,
    });
  }
  if (!walk.reachesEnd) return result();
  if (lastCovered < lastSeq) {
    return result({
      kind: 'inserted',
      seq: lastCovered + 1,
      message: `records seq ${lastCovered + 1} to ${lastSeq} come after the last signed checkpoint (seq ${lastCovered}): no signature covers them`,
    });
  }
  const head = walk.head;
  if (!head) {
    if (lastSeq === 0) return result();
    return result({
      kind: 'deleted',
      seq: lastSeq,
      message: `the chain's head row (its last number and hash) is missing`,
    });
  }
  if (head.seq > lastSeq) {
    return result({
      kind: 'deleted',
      seq: lastSeq + 1,
      message: `the chain ends at seq ${lastSeq}, but its head says seq ${head.seq}: the last records were deleted`,
    });
  }
  if (head.seq < lastSeq) {
    return result({
      kind: 'inserted',
      seq: head.seq + 1,
      message: `the chain goes on to seq ${lastSeq}, past its head at seq ${head.seq}`,
    });
  }
  if (lastSeq > 0 && head.hash !== prevHash) {
    return result({
      kind: 'edited',
      seq: lastSeq,
      message: `the chain's head hash differs from its last record's hash`,
    });
  }
  return result();
}

function insertedBefore(
  record: StoredRecord,
  next: StoredRecord | undefined,
): Omit<EvidenceProblem, 'chainId'> {
  return {
    kind: 'inserted',
    seq: record.seq,
    recordId: record.id,
    message: `record ${record.id} was inserted at seq ${record.seq}: the record signed at that number (record ${next?.id}) now stands after it`,
  };
}

/** The number a record's hash was made for, when it is not where it stands. */
function seqThatFits(record: StoredRecord, maxSeq: number): number | undefined {
  for (let seq = 1; seq <= maxSeq + 1; seq += 1) {
    if (seq !== record.seq && recordHash({ ...record, seq }) === record.hash) return seq;
  }
  return undefined;
}
