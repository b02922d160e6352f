// A roster import: compares a source's new roster with what its roster last told jml, and sends each
// difference as an HR event through the same intake as the webhook (so the mass-termination guard
// sees a roster's terminations). Each person is recorded as soon as their event is accepted, so an
// import that stops half-way (Temporal unreachable) sends only the rest when run again; the import is
// complete, and the snapshot it stands for recorded, once every event was accepted.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { HrEvent, HrEventType } from '../domain/hr-event';
import { identityWorkflowId } from '../domain/lifecycle';
import type { RosterEmployee } from '../domain/roster';
import { diffRoster, type RosterDifference } from '../domain/roster-diff';
import type { RosterSnapshots } from '../evidence/roster-snapshots';
import { LifecycleStageKey } from '../workflows/messages';
import { submitHrEvent, type IntakeOptions, type IntakeResult } from './intake';
import { snapshotId } from './roster-ids';
import { hashRows, planEvent, type PlannedEvent } from './roster-plan';
import { withTemporal } from './temporal-unavailable';

export interface RosterImportRequest {
  source: string;
  dryRun: boolean;
  employees: RosterEmployee[];
}

/** One event the import sent (or, in a dry run, would send). */
export interface RosterEventSummary {
  eventId: string;
  type: HrEventType;
  employeeId: string;
  effectiveAt?: string;
  /** For a change: the fields whose values differ from the row as last sent. */
  changed?: string[];
  /** What the intake answered (absent in a dry run). */
  status?: IntakeResult['status'];
  /** The whole event: in a dry run only, so that it can be read before anything is sent. */
  event?: HrEvent;
}

export interface RosterImportResult {
  source: string;
  dryRun: boolean;
  /** The roster's content: the same people with the same rows make the same id. */
  snapshotId: string;
  /** The last complete import's snapshot, before this one; absent for a source's first roster. */
  previousSnapshotId?: string;
  employees: number;
  counts: Record<HrEventType, number> & { unchanged: number };
  /**
   * Every event was accepted (held by the guard or a duplicate counts) and the snapshot recorded. False
   * in a dry run, and when the intake refused an event as stale: that person's event is sent again
   * by the next import.
   */
  complete: boolean;
  events: RosterEventSummary[];
}

export interface RosterImportOptions extends IntakeOptions {
  rosters: RosterSnapshots;
  /** Longest one call to Temporal may take before the import stops with a 503. */
  deadlineMs: number;
}

/** The import stopped before every event was sent; what was sent is recorded, a rerun sends the rest. */
export class RosterImportStopped extends Error {
  override readonly name = 'RosterImportStopped';
  constructor(
    readonly sent: number,
    readonly total: number,
    override readonly cause: unknown,
  ) {
    super(`the roster import stopped after ${sent} of ${total} events: ${(cause as Error).message}`);
  }
}

/** Calls to Temporal at once: enough to keep it busy, few enough that a large roster does not flood it. */
const CONCURRENCY = 16;

/** Imports of one source take turns (in this process), so they never compare against a half-written state. */
const running = new WeakMap<RosterSnapshots, Map<string, Promise<unknown>>>();

export function importRoster(
  options: RosterImportOptions,
  request: RosterImportRequest,
): Promise<RosterImportResult> {
  let bySource = running.get(options.rosters);
  if (!bySource) running.set(options.rosters, (bySource = new Map<string, Promise<unknown>>()));
  const before = bySource.get(request.source) ?? Promise.resolve();
  const turn = before.catch(() => undefined).then(() => runImport(options, request));
  bySource.set(request.source, turn);
  void turn
    .finally(() => {
      if (bySource.get(request.source) === turn) bySource.delete(request.source);
    })
    .catch(() => undefined);
  return turn;
}

async function runImport(
  options: RosterImportOptions,
  request: RosterImportRequest,
): Promise<RosterImportResult> {
  const { rosters, client, deadlineMs } = options;
  const { source } = request;
  const [people, last] = await Promise.all([rosters.people(source), rosters.lastImport(source)]);
  const rows = hashRows(request.employees);
  const differences = diffRoster(people, rows);
  const returning = await leftAlready(client, deadlineMs, differences);
  const occurredAt = new Date().toISOString();
  const planned = differences.map((difference) => planEvent(difference, { source, occurredAt, returning }));
  const snapshot = snapshotId(
    source,
    rows.map(({ row, hash }) => ({ employeeId: row.id, hash })),
  );
  const counts = { hire: 0, rehire: 0, change: 0, terminate: 0, unchanged: 0 };
  for (const { event } of planned) counts[event.type] += 1;
  counts.unchanged = rows.length - counts.hire - counts.rehire - counts.change;
  const result: RosterImportResult = {
    source,
    dryRun: request.dryRun,
    snapshotId: snapshot,
    ...(last ? { previousSnapshotId: last.snapshotId } : {}),
    employees: rows.length,
    counts,
    complete: false,
    events: planned.map(summaryOf),
  };
  if (request.dryRun) {
    result.events = planned.map((p) => ({ ...summaryOf(p), event: p.event }));
    return result;
  }

  // Terminations first, then changes, then newcomers: a userName a leaver frees is free before
  // anyone joins with it.
  const statuses = new Map<string, IntakeResult['status']>();
  let sent = 0;
  try {
    for (const phase of [['terminate'], ['change'], ['hire', 'rehire']] as HrEventType[][]) {
      await eachInLanes(
        planned.filter((p) => phase.includes(p.event.type)),
        CONCURRENCY,
        async (p) => {
          const { status } = await withTemporal(client, deadlineMs, () => submitHrEvent(options, p.event));
          statuses.set(p.event.eventId, status);
          // A stale event was not applied: left unrecorded, the next import sends it again.
          if (status !== 'stale') await rosters.recordSent(source, p.after);
          sent += 1;
        },
      );
    }
  } catch (error) {
    throw new RosterImportStopped(sent, planned.length, error);
  }
  result.events = planned.map((p) => ({ ...summaryOf(p), status: statuses.get(p.event.eventId) }));
  result.complete = [...statuses.values()].every((status) => status !== 'stale');
  if (result.complete) await rosters.complete({ source, snapshotId: snapshot, employees: rows.length });
  return result;
}

function summaryOf({ event, changed }: PlannedEvent): RosterEventSummary {
  return {
    eventId: event.eventId,
    type: event.type,
    employeeId: event.employee.id,
    ...(event.effectiveAt ? { effectiveAt: event.effectiveAt } : {}),
    ...(changed ? { changed } : {}),
  };
}

/**
 * Newcomers jml knows have left (their workflow ended with a leaver, or is in one): they come back as
 * a rehire. Someone the roster itself terminated is known without asking.
 */
async function leftAlready(
  client: Client,
  deadlineMs: number,
  differences: readonly RosterDifference[],
): Promise<Set<string>> {
  const unknown = differences.filter((d) => d.kind === 'new' && !d.before).map((d) => d.employeeId);
  const left = new Set<string>();
  await eachInLanes(unknown, CONCURRENCY, async (employeeId) => {
    if (await withTemporal(client, deadlineMs, () => hasLeft(client, employeeId))) left.add(employeeId);
  });
  return left;
}

async function hasLeft(client: Client, employeeId: string): Promise<boolean> {
  try {
    const description = await client.workflow.getHandle(identityWorkflowId(employeeId)).describe();
    // A run ends only when its leaver has verified everything.
    if (description.status.name === 'COMPLETED') return true;
    if (description.status.name !== 'RUNNING') return false;
    const stage = description.typedSearchAttributes.get(LifecycleStageKey);
    return stage === 'leaving' || stage === 'left';
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

/** `work` for every item, `limit` at a time; after a failure no new item starts, and it is thrown. */
async function eachInLanes<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (!failure && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure) throw failure.error;
}
