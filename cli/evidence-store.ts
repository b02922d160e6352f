// How the auditors' commands (`jml evidence`, `jml report`) read the evidence store: directly, read
// only, like `jml audit verify` — JML_EVIDENCE_URL (PostgreSQL) or the embedded store in
// JML_DATA_DIR/evidence — and the periods they take, checked with zod so a bad flag is named.
import { Option } from 'commander';
import { DATA_DIR } from '../common/data-dir';
import { periodBoundSchema, periodOf, type Period } from '../domain/period';
import { EvidenceSettingsError, EvidenceUnavailableError } from '../evidence/errors';
import { isUnavailable } from '../evidence/pg-client';
import { evidenceLocation } from '../evidence/settings';
import type { SqlClient } from '../evidence/sql';
import { openForVerify } from '../evidence/verify';
import { CliError, EXIT, UsageError } from './exit-codes';
import { zodValue } from './validate';

/**
 * Runs `work` on the store opened read-only; an unreachable store ends the command with exit 3.
 * `whileRunning` says where a running jml serves the same answer (its API holds the embedded store).
 */
export async function readingEvidence<T>(
  work: (sql: SqlClient) => Promise<T>,
  whileRunning?: string,
): Promise<T> {
  let location;
  try {
    location = evidenceLocation({ dataDir: DATA_DIR });
  } catch (error) {
    if (error instanceof EvidenceSettingsError) throw new UsageError(error.message);
    throw error;
  }
  let sql: SqlClient;
  try {
    sql = await openForVerify(location);
  } catch (error) {
    let message =
      error instanceof EvidenceUnavailableError
        ? error.message
        : `the evidence store cannot be read: ${(error as Error).message}`;
    if (location.kind === 'pglite' && whileRunning)
      message += `\n(a running jml's API answers the same: ${whileRunning})`;
    throw new CliError(message, EXIT.unreachable);
  }
  try {
    return await work(sql);
  } catch (error) {
    // The database went away half-way; anything else is a fault of jml's own.
    if (!isUnavailable(error)) throw error;
    throw new CliError(`reading the evidence store failed: ${(error as Error).message}`, EXIT.unreachable);
  } finally {
    await sql.close();
  }
}

const bound = zodValue(periodBoundSchema);

export const fromOption = () =>
  new Option('--from <date>', 'the first day (UTC) or instant of the period')
    .argParser(bound)
    .makeOptionMandatory();
export const toOption = () =>
  new Option('--to <date>', 'the last day (UTC, inclusive) or instant of the period')
    .argParser(bound)
    .makeOptionMandatory();

export function periodFrom(flags: { from: string; to: string }): Period {
  const checked = periodOf(flags.from, flags.to, { from: '--from', to: '--to' });
  if ('problem' in checked) throw new UsageError(`${checked.problem.path} ${checked.problem.message}`);
  return checked.period;
}
