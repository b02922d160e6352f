// Reads a Prometheus text exposition (format 0.0.4) the way a scraper would: each sample by its
// name and labels, and each family's TYPE, so tests assert on figures rather than on text.
export interface Scrape {
  /** The sample's value, or undefined when the exposition has no such sample. */
  value: (name: string, labels?: Record<string, string>) => number | undefined;
  /** The TYPE a family is declared with. */
  type: (name: string) => string | undefined;
  /** Every sample's labels (to look for what a label must never carry). */
  labelValues: () => string[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseExposition(text: string): Scrape {
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    if (line === '' || line.startsWith('#')) continue;
    const sample = SAMPLE.exec(line);
    if (!sample) throw new Error(`not a sample line: ${line}`);
    const labels = Object.fromEntries([...(sample[2] ?? '').matchAll(LABEL)].map((m) => [m[1]!, m[2]!]));
    samples.push({ name: sample[1]!, labels, value: Number(sample[3]) });
  }
  return {
    value: (name, labels = {}) =>
      samples.find(
        (s) =>
          s.name === name &&
          Object.keys(s.labels).length === Object.keys(labels).length &&
          Object.entries(labels).every(([k, v]) => s.labels[k] === v),
      )?.value,
    type: (name) => types.get(name),
    labelValues: () => samples.flatMap((s) => Object.values(s.labels)),
  };
}
