// Test people and HR events, each with unique ids so tests sharing one Temporal server never collide.
import { randomUUID } from 'node:crypto';
import type { Employee, HrEvent, HrEventType } from '../../domain/hr-event';

export function employee(overrides: Partial<Employee> = {}): Employee {
  const n = randomUUID().slice(0, 8);
  return {
    id: `T${n}`,
    userName: `user.${n}`,
    email: `user.${n}@example.com`,
    givenName: 'Test',
    familyName: `Person ${n}`,
    department: 'Engineering',
    title: 'Engineer',
    location: 'Berlin',
    employmentType: 'employee',
    ...overrides,
  };
}

export function hrEvent(type: HrEventType, person: Employee, extra: Partial<HrEvent> = {}): HrEvent {
  return {
    eventId: `evt-${randomUUID()}`,
    type,
    occurredAt: new Date().toISOString(),
    source: 'test',
    employee: person,
    ...extra,
  };
}
