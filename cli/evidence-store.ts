// How the auditors' commands (`jml evidence`, `jml report`, `jml audit verify`) read the evidence
// store: directly, read only — JML_EVIDENCE_URL (PostgreSQL) or the embedded store in
// JML_DATA_DIR/evidence, or through the running jml that holds the embedded one — and the periods
// they take, checked with zod so a bad flag is named.
import { Option } from 'commander';
import { DATA_DIR } from '../common/data-dir';
import { periodBoundSchema, periodOf, type Period } from '../domain/period';
import { EvidenceHeldError, EvidenceSettingsError, EvidenceUnavailableError } from '../evidence/errors';
import { isUnavailable } from '../evidence/pg-client';
import { evidenceLocation } from '../evidence/settings';
import type { SqlClient } from '../evidence/sql';
import { openForVerify } from '../evidence/verify';
import { answer, apiFetch, apiToken } from './api-client';
import { CliError, EXIT, UsageError } from './exit-codes';
import { zodValue } from './validate';

/** Where a running jml's API answers the same, and how its answer becomes the command's value. */
export interface RunningJml<T> {
  path: string;
  read?: (answer: unknown) => T;
}

/**
 * Runs `work` on the store opened read-only; an unreachable store ends the command with exit 3. The
 * embedded store is held by the running jml while it runs (PGlite serves one process): then the same
 * answer is read through that jml's API (`running`, with the API token), and the command says so.
 */
export async function readingEvidence<T>(
  work: (sql: SqlClient) => Promise<T>,
  running?: RunningJml<T>,
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
    if (error instanceof EvidenceHeldError && running) return throughRunningJml(running, error);
    const message =
      error instanceof EvidenceUnavailableError
        ? error.message
        : `the evidence store cannot be read: ${(error as Error).message}`;
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

async function throughRunningJml<T>({ path, read }: RunningJml<T>, held: EvidenceHeldError): Promise<T> {
  let body: unknown;
  try {
    body = await answer<unknown>(await apiFetch(path, { headers: apiToken() }), 'the evidence');
  } catch (error) {
    // No API to ask (not running, no token): the store stays unreadable, and both reasons are said.
    const unreachable =
      error instanceof CliError && (error.exitCode === EXIT.unreachable || error.exitCode === EXIT.badInput);
    if (!unreachable) throw error;
    throw new CliError(
      `${held.message}\n(and its API cannot answer instead: ${error.message})`,
      EXIT.unreachable,
    );
  }
  console.error(
    `(the embedded evidence store is held by the running jml, process ${held.holder}: read through its API, GET ${path})`,
  );
  return read ? read(body) : (body as T);
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
