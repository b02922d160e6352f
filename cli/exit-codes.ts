// How `jml` ends, so scripts can tell "the API said no" from "fix your input" from "try again later".
export const EXIT = {
  /** The command did what it was asked (for `event --wait`: every application verified). */
  done: 0,
  /** The API refused (401, 403, 404, 409, other errors), or `--wait` ended without every application verified. */
  refused: 1,
  /** Invalid arguments or files, or a 400/413/414 answer: retrying the same input cannot help. */
  badInput: 2,
  /** The API could not be reached or asked to come back later (connection error, timeout, 429, 502-504). */
  unreachable: 3,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code for an unsuccessful HTTP answer, grouped the way the README tells senders to retry. */
export function exitCodeForStatus(status: number): ExitCode {
  if (status === 400 || status === 413 || status === 414) return EXIT.badInput;
  if (status === 429 || status === 502 || status === 503 || status === 504) return EXIT.unreachable;
  return EXIT.refused;
}

/** An error that knows how the process should end; main prints its message (when it has one). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}

/** Wrong use of the command line or an invalid file. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.badInput);
  }
}

/** An invalid input file: its lines already start with the file's name, so they are printed as they are. */
export class FileError extends UsageError {}
