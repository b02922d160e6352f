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

/** Posts an event and resolves on its 202. */
export async function postEvent(apiUrl: string, event: HrEvent): Promise<void> {
  const body = JSON.stringify(event);
  const response = await fetch(`${apiUrl}/v1/hr/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signPayload(body, SECRET) },
    body,
  });
  if (response.status !== 202)
    throw new Error(`HR event answered ${response.status}: ${await response.text()}`);
}
