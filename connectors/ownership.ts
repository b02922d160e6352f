// Whose an account is, as every connector establishes it before it changes or verifies anything:
// the person's own (by the id jml recorded or the owner mark the application keeps), nobody's
// account at all, someone else's, or an account with no owner that cannot be tied to anyone.
import { unverifiableState, type AppState } from '../domain/app-state';

export type Ownership<Own extends object, Unowned extends object = object> =
  | ({ kind: 'own' } & Own)
  | { kind: 'none' }
  | { kind: 'other'; owner: string }
  | ({ kind: 'unowned' } & Unowned);

/**
 * The read-back for an account that is not the person's own: nothing held, held by someone else
 * (never touched), or unverifiable for want of an owner. `noSessions` is 0 where the application
 * has sessions, null where it has none.
 */
export function stateOfNotOwn<U extends { kind: 'unowned' }>(
  found: { kind: 'none' } | { kind: 'other'; owner: string } | U,
  noSessions: 0 | null,
  unownedProblem: (found: U) => string,
): AppState {
  const nothing = { exists: false, active: false, entitlements: [], openSessions: noSessions };
  if (found.kind === 'none') return nothing;
  if (found.kind === 'other') return { ...nothing, heldBy: (found as { owner: string }).owner };
  return unverifiableState(unownedProblem(found));
}
