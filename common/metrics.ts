// The process's Prometheus registry: Node's own figures (CPU, memory, event loop, GC) under the
// `jml_` prefix, and whatever the worker and the API add to it. One per process, like the process
// it describes; prom-client's global registry is left to the libraries that use it.
import { collectDefaultMetrics, Registry } from 'prom-client';

/** Every metric jml exposes starts with this, Node's defaults too. */
export const METRICS_PREFIX = 'jml_';

/** What a scraper is answered with: the Prometheus text exposition format 0.0.4. */
export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

let processRegistry: Registry | undefined;

/** The registry of this process, made on first use with the default process metrics. */
export function processMetricsRegistry(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: METRICS_PREFIX });
  }
  return processRegistry;
}

/** Several registries' texts as one answer (each ends its last line; a blank line between is allowed). */
export function joinExpositions(texts: string[]): string {
  return texts.filter((text) => text.trim() !== '').join('\n');
}
