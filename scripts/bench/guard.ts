// The mass-termination guard as the benchmark runs it: on, as in production (every termination pays
// its one extra round trip at intake), with a limit above the burst so that nothing is held.
import type { LoadedConfig } from '../../config/load';

/** The configuration with the guard on at `limit` terminations per hour. */
export function withGuardAbove(loaded: LoadedConfig, limit: number): LoadedConfig {
  return {
    ...loaded,
    config: { ...loaded.config, guard: { enabled: true, maxTerminationsPerHour: limit, approvers: [] } },
  };
}

/** The line the benchmark prints about it. */
export function guardLine(limit: number): string {
  return `  mass-termination guard: on, ${limit} terminations per hour (above this part's terminations, so none is held; each pays one update at intake)`;
}
