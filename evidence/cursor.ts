// Reading rows in pages (keyset pagination, never OFFSET) and walking them with one row of lookahead.

/** Pages through rows ordered by a key, asking for the rows after the last one seen each time. */
export async function* pages<R>(
  fetch: (after: R | undefined) => Promise<R[]>,
  pageSize: number,
): AsyncGenerator<R> {
  let after: R | undefined;
  for (;;) {
    const rows = await fetch(after);
    yield* rows;
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1];
  }
}

/** An iterator (async, or plain for rows already at hand) with peek. */
export class Cursor<T> {
  private buffered: { value: T | undefined } | undefined;

  constructor(private readonly iterator: AsyncIterator<T> | Iterator<T>) {}

  async peek(): Promise<T | undefined> {
    if (!this.buffered) {
      const next = await this.iterator.next();
      this.buffered = { value: next.done ? undefined : next.value };
    }
    return this.buffered.value;
  }

  async next(): Promise<T | undefined> {
    const value = await this.peek();
    this.buffered = undefined;
    return value;
  }

  /** Takes the items at the front for which `test` holds. */
  async takeWhile(test: (item: T) => boolean): Promise<T[]> {
    const taken: T[] = [];
    for (let item = await this.peek(); item !== undefined && test(item); item = await this.peek()) {
      taken.push(item);
      await this.next();
    }
    return taken;
  }
}
