// How many of the activities one workflow task schedules a worker takes back at once, in the answer to
// that task, when the Temporal server dispatches eagerly (`system.enableActivityEagerExecution`; the
// embedded dev server turns it on). A leaver schedules one call per application in a single task:
// reserving a slot for each lets all of them skip the trip through the task queue. Calls on an
// application's own (rate-limited) queue are never taken eagerly, so its limit still holds.

/** The SDK's default, kept as the least. */
const SDK_DEFAULT = 3;

export function eagerActivitySlots(applications: number): number {
  return Math.max(SDK_DEFAULT, applications);
}
