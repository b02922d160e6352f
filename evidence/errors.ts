// What can go wrong with the evidence store, as types the activity and the CLI tell apart: a caller's
// mistake (invalid record, a key reused for other content) is final; an unreachable store is not.

/** The record is not valid; `problems` name each field at fault. */
export class EvidenceInputError extends Error {
  override readonly name = 'EvidenceInputError';
  constructor(readonly problems: { path: string; message: string }[]) {
    super(`invalid evidence record: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  }
}

/** The idempotency key was written before with other content: a step reused a key, never a retry. */
export class EvidenceConflictError extends Error {
  override readonly name = 'EvidenceConflictError';
  constructor(
    readonly key: string,
    readonly fields: string[],
  ) {
    super(`evidence key ${key} was recorded before with a different ${fields.join(', ')}`);
  }
}

/** The store cannot be reached or opened now (connection refused, timed out, held by another process). */
export class EvidenceUnavailableError extends Error {
  override readonly name = 'EvidenceUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The embedded store is open in another process (a running jml), which alone may read it. */
export class EvidenceHeldError extends EvidenceUnavailableError {
  constructor(
    message: string,
    readonly holder: number,
  ) {
    super(message);
  }
}

/** A key or setting is not usable (not an Ed25519 key, a bad URL); `problems` name each one. */
export class EvidenceSettingsError extends Error {
  override readonly name = 'EvidenceSettingsError';
  constructor(readonly problems: { path: string; message: string }[]) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  }
}
