// A person's employment memory as the evidence store keeps it: every HR event a step of theirs
// settled (one sent again is a duplicate) and their last termination (an older event is stale). The
// store is written before a run ends and outlives Temporal's retention, so the intake can decide from
// it, and hand it to a new run, without asking Temporal for the last run's result.
import type { EventOutcome, EmploymentMemory } from './lifecycle';

/** Event ids a run remembers for de-duplication (carried across continue-as-new) and a new run is told of. */
export const REMEMBERED_EVENT_IDS = 1000;

export interface RecordedHrEvent {
  eventId: string;
  type: string;
  occurredAt: string;
  outcome?: EventOutcome;
}

/** The memory in `events`, oldest first; an event refused as stale or duplicate ends no employment. */
export function memoryFrom(events: readonly RecordedHrEvent[]): EmploymentMemory {
  let lastTerminationAt: string | undefined;
  for (const event of events) {
    if (event.type !== 'terminate' || event.outcome === 'stale' || event.outcome === 'duplicate') continue;
    if (!lastTerminationAt || Date.parse(event.occurredAt) > Date.parse(lastTerminationAt))
      lastTerminationAt = event.occurredAt;
  }
  const processedEventIds = [...new Set(events.map((e) => e.eventId))].slice(-REMEMBERED_EVENT_IDS);
  return { processedEventIds, ...(lastTerminationAt ? { lastTerminationAt } : {}) };
}
