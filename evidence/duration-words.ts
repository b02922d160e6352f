// Durations and instants as people read them on a certificate or in a report: "4m 12s", "1h 30m",
// "2d 3h", and UTC times to the second.

const UNITS: [string, number][] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/** The two largest units of a duration ("1h 30m"); under a second, milliseconds; negative with a "−". */
export function durationWords(ms: number): string {
  if (ms < 0) return `−${durationWords(-ms)}`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const first = UNITS.findIndex(([, size]) => ms >= size);
  const [unit, size] = UNITS[first]!;
  const next = UNITS[first + 1];
  const second = next ? Math.floor((ms % size) / next[1]) : 0;
  return `${Math.floor(ms / size)}${unit}` + (second ? ` ${second}${next![0]}` : '');
}

/** `2026-12-01 09:04:12 UTC`. */
export function instantWords(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
