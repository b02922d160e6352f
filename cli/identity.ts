// A person's status from the API, as `status`, `plan --diff` and `event --wait` read it.
import type { IdentityStatus } from '../domain/lifecycle';
import { answer, apiFetch, apiToken } from './api-client';

export function getIdentity(employeeId: string): Promise<Response> {
  return apiFetch(`/v1/identities/${encodeURIComponent(employeeId)}`, { headers: apiToken() });
}

export async function readIdentity(employeeId: string): Promise<IdentityStatus> {
  return answer<IdentityStatus>(await getIdentity(employeeId), `reading the status of ${employeeId}`);
}

/** The status, or undefined when jml has never seen the person. */
export async function findIdentity(employeeId: string): Promise<IdentityStatus | undefined> {
  const response = await getIdentity(employeeId);
  if (response.status === 404) return undefined;
  return answer<IdentityStatus>(response, `reading the status of ${employeeId}`);
}
