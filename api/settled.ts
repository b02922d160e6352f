// An update's outcome as an answer: the result, or the 404/409 the workflow decided.
import { HttpError } from './http-error';
import type { UpdateOutcome } from './identity-messages';

export function settled<R>(outcome: UpdateOutcome<R>, refused: string): R {
  if (outcome.ok) return outcome.result;
  throw new HttpError(outcome.status, {
    error: outcome.status === 404 ? 'not_found' : refused,
    message: outcome.message,
  });
}
