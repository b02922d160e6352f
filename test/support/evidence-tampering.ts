// Ways to tamper with an evidence chain directly in the database, each on a five-record chain of
// its own, with the problem `jml audit verify` must then report: which kind, at which number, which
// record. Everything here goes around jml (tamper switches the append-only triggers off).
import { generateKeyPairSync } from 'node:crypto';
import type { ProblemKind } from '../../evidence/chain-walk';
import type { StoredRecord } from '../../evidence/record-rows';
import { signerFrom } from '../../evidence/signing';
import { tamper, type EvidenceFixture } from './evidence-backends';
import { decision, insertForged, rewritten } from './evidence-records';

export interface ExpectedProblem {
  kind: ProblemKind;
  seq: number;
  /** The record named, when the problem has one. */
  recordId?: string;
  message: RegExp;
}

export interface TamperCase {
  name: string;
  employeeId: string;
  apply(fixture: EvidenceFixture, chain: StoredRecord[]): Promise<ExpectedProblem>;
}

const chainOf = (record: StoredRecord) => record.chainId;

export const TAMPER_CASES: TamperCase[] = [
  {
    name: 'a body edited: that record is named, edited',
    employeeId: 'E3001',
    async apply(fixture, chain) {
      await tamper(fixture, (sql) =>
        sql(`UPDATE evidence_records SET body = jsonb_set(body, '{approve}', 'false') WHERE id = $1`, [
          chain[2]!.id,
        ]),
      );
      return {
        kind: 'edited',
        seq: 3,
        recordId: chain[2]!.id,
        message: /content no longer matches its hash/,
      };
    },
  },
  {
    name: 'a body edited and every hash after it made anew: the checkpoint signed for it names it, edited',
    employeeId: 'E3002',
    async apply(fixture, chain) {
      let previous = chain[1]!.hash;
      const changed = chain.slice(2).map((record, i) => {
        const next = rewritten(record, i === 0 ? { approve: false } : {}, previous);
        previous = next.hash;
        return next;
      });
      await tamper(fixture, async (sql) => {
        for (const r of changed) {
          await sql('UPDATE evidence_records SET body = $2::jsonb, prev_hash = $3, hash = $4 WHERE id = $1', [
            r.id,
            JSON.stringify(r.body),
            r.prevHash,
            r.hash,
          ]);
        }
        await sql('UPDATE evidence_chains SET head_hash = $2 WHERE chain_id = $1', [
          chainOf(chain[0]!),
          previous,
        ]);
      });
      return {
        kind: 'edited',
        seq: 3,
        recordId: chain[2]!.id,
        message: /differs from what checkpoint \d+ signed/,
      };
    },
  },
  {
    name: 'a record in the middle deleted: its number is named, deleted',
    employeeId: 'E3003',
    async apply(fixture, chain) {
      await tamper(fixture, (sql) => sql('DELETE FROM evidence_records WHERE id = $1', [chain[2]!.id]));
      return { kind: 'deleted', seq: 3, message: /record seq 3 is missing, though checkpoint \d+ signed it/ };
    },
  },
  {
    name: 'the last record deleted and the chain head set back: its number is named, deleted',
    employeeId: 'E3004',
    async apply(fixture, chain) {
      await tamper(fixture, async (sql) => {
        await sql('DELETE FROM evidence_records WHERE id = $1', [chain[4]!.id]);
        await sql('UPDATE evidence_chains SET head_seq = 4, head_hash = $2 WHERE chain_id = $1', [
          chainOf(chain[0]!),
          chain[3]!.hash,
        ]);
      });
      return {
        kind: 'deleted',
        seq: 5,
        message: /the chain ends at seq 4, but checkpoint \d+ signed it up to seq 5/,
      };
    },
  },
  {
    name: 'a well-formed record added at the end and the head moved on: its number is named, inserted',
    employeeId: 'E3005',
    async apply(fixture, chain) {
      const last = chain[4]!;
      const forged = await insertForged(fixture, {
        ...last,
        key: decision('E3005', 6).key,
        seq: 6,
        body: { ...(last.body as object), requestId: 'apr-0a1b2c3d-6-E3005' },
        prevHash: last.hash,
      });
      await tamper(fixture, (sql) =>
        sql('UPDATE evidence_chains SET head_seq = 6, head_hash = $2 WHERE chain_id = $1', [
          chainOf(last),
          forged.hash,
        ]),
      );
      return {
        kind: 'inserted',
        seq: 6,
        message: /records seq 6 to 6 come after the last signed checkpoint/,
      };
    },
  },
  {
    name: 'a well-formed record slipped in the middle, the ones after renumbered: that record is named, inserted',
    employeeId: 'E3006',
    async apply(fixture, chain) {
      await tamper(fixture, async (sql) => {
        await sql('UPDATE evidence_records SET seq = seq + 1000 WHERE chain_id = $1 AND seq >= 3', [
          chainOf(chain[0]!),
        ]);
        await sql('UPDATE evidence_records SET seq = seq - 999 WHERE chain_id = $1 AND seq > 1000', [
          chainOf(chain[0]!),
        ]);
      });
      const forged = await insertForged(fixture, {
        ...chain[2]!,
        key: `${chain[2]!.key}-again`,
        body: { ...(chain[2]!.body as object), approver: 'E0666' },
        prevHash: chain[1]!.hash,
      });
      return { kind: 'inserted', seq: 3, recordId: forged.id, message: /was inserted at seq 3/ };
    },
  },
  {
    name: 'two records swapped in order: the one out of place is named, reordered',
    employeeId: 'E3007',
    async apply(fixture, chain) {
      await tamper(fixture, async (sql) => {
        await sql('UPDATE evidence_records SET seq = 1000 WHERE id = $1', [chain[1]!.id]);
        await sql('UPDATE evidence_records SET seq = 2 WHERE id = $1', [chain[2]!.id]);
        await sql('UPDATE evidence_records SET seq = 3 WHERE id = $1', [chain[1]!.id]);
      });
      return { kind: 'reordered', seq: 2, recordId: chain[2]!.id, message: /its hash was made for seq 3/ };
    },
  },
  {
    name: "a checkpoint's signature replaced: that checkpoint is named, forged",
    employeeId: 'E3008',
    async apply(fixture, chain) {
      await tamper(fixture, (sql) =>
        sql('UPDATE evidence_checkpoints SET signature = $2 WHERE chain_id = $1 AND up_to_seq = 4', [
          chainOf(chain[0]!),
          Buffer.alloc(64, 7).toString('base64'),
        ]),
      );
      return {
        kind: 'forged-checkpoint',
        seq: 4,
        message: /^checkpoint \d+ .* has a signature that does not verify/,
      };
    },
  },
  {
    name: 'the last record rewritten and signed with a key of its own: that checkpoint is named, forged',
    employeeId: 'E3009',
    async apply(fixture, chain) {
      const record = rewritten(chain[4]!, { approve: false });
      const intruder = signerFrom(generateKeyPairSync('ed25519').privateKey);
      const fields = {
        chainId: record.chainId,
        upToSeq: 5,
        hash: record.hash,
        keyId: intruder.keyId,
        signedAt: record.recordedAt,
      };
      await tamper(fixture, async (sql) => {
        await sql('UPDATE evidence_records SET body = $2::jsonb, hash = $3 WHERE id = $1', [
          record.id,
          JSON.stringify(record.body),
          record.hash,
        ]);
        await sql('UPDATE evidence_chains SET head_hash = $2 WHERE chain_id = $1', [
          record.chainId,
          record.hash,
        ]);
        await sql(
          `INSERT INTO evidence_checkpoints (chain_id, up_to_seq, hash, signature, key_id, signed_at)
           VALUES ($1, $2, $3, $4, $5, $6)`,
          [fields.chainId, fields.upToSeq, fields.hash, intruder.sign(fields), fields.keyId, fields.signedAt],
        );
      });
      return {
        kind: 'forged-checkpoint',
        seq: 5,
        message: new RegExp(`signed with key ${intruder.keyId}, which is not among the trusted public keys`),
      };
    },
  },
];
