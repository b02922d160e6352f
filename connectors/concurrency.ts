// Running one call per item with at most `limit` under way at once, and failing only once all have
// ended: no call is left running behind a failure, so a retried attempt never overlaps the last one.

/** Calls `work` for every item, `limit` at a time; throws the first failure once every call has ended. */
export async function settleEach<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const failures: unknown[] = [];
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failures.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failures.length) throw failures[0];
}
