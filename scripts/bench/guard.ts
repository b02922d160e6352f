// The mass-termination guard as the benchmark runs it: on, as in production (every termination pays
// its one extra round trip at intake), with a limit as high as the part's terminations so that none is held.
import type { LoadedConfig } from '../../config/load';

/** The configuration with the guard on at `limit` terminations per hour. */
export function withGuardAbove(loaded: LoadedConfig, limit: number): LoadedConfig {
  return {
    ...loaded,
    config: {
      ...loaded.config,
      guard: { enabled: true, maxTerminationsPerHour: limit, approvers: ['B0001'] },
    },
  };
}

/** The line the benchmark prints about it. */
export function guardLine(limit: number): string {
  return `  mass-termination guard: on, ${limit} terminations per hour (as many as this part sends, so none is held; each pays one update at intake)`;
}
