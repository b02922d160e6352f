// Command actions return their exit code; this hands it to the process, which main ends with.
import type { ExitCode } from './exit-codes';

export function exiting<A extends unknown[]>(
  action: (...args: A) => ExitCode | Promise<ExitCode>,
): (...args: A) => Promise<void> {
  return async (...args) => {
    process.exitCode = await action(...args);
  };
}
