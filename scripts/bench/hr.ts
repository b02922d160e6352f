// HR events as the benchmark sends them: signed, through the real HTTP API, for numbered people.
import { signPayload, SIGNATURE_HEADER } from '../../api/signature';
import type { Employee, HrEvent } from '../../domain/hr-event';
import { SECRET } from './estate';

export function person(i: number): Employee {
  return {
    id: `B${String(i).padStart(5, '0')}`,
    userName: `bench.${i}`,
    email: `bench.${i}@example.com`,
    givenName: 'Bench',
    familyName: `Person ${i}`,
    department: 'Engineering',
    title: 'Engineer',
    location: 'Berlin',
    employmentType: 'employee',
  };
}

export function hrEvent(type: HrEvent['type'], who: Employee, tag = 'bench'): HrEvent {
  return {
    eventId: `${tag}-${type}-${who.id}`,
    type,
    occurredAt: new Date().toISOString(),
    source: 'bench',
    urgent: type === 'terminate' ? true : undefined,
    employee: who,
  };
}

/**
 * Posts an event and resolves on its 202 with how many times it was sent again: a 503 is answered
 * as an HR sender should, by sending the same event after its Retry-After (up to `retries` times).
 */
export async function postEvent(apiUrl: string, event: HrEvent, retries = 0): Promise<number> {
  const body = JSON.stringify(event);
  for (let again = 0; ; again++) {
    const response = await fetch(`${apiUrl}/v1/hr/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signPayload(body, SECRET) },
      body,
    });
    if (response.status === 202) return again;
    const text = await response.text();
    if (response.status !== 503 || again >= retries)
      throw new Error(`HR event answered ${response.status}: ${text}`);
    const afterSeconds = Number(response.headers.get('retry-after') ?? 1);
    await new Promise((resolve) => setTimeout(resolve, afterSeconds * 1000));
  }
}

/** HR events in flight at once while a burst is sent (below the API's 32 connections per client). */
const SENDERS = 16;

/** Posts every event, SENDERS at a time; resolves with how many were sent again after a 503. */
export async function postEvents(apiUrl: string, events: HrEvent[], retries: number): Promise<number> {
  let next = 0;
  let sentAgain = 0;
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      while (next < events.length) sentAgain += await postEvent(apiUrl, events[next++]!, retries);
    }),
  );
  return sentAgain;
}
