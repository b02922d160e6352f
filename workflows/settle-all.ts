// Like Promise.all, but a step ends only once every branch has: when one branch fails (a cancelled
// approval, say), the others still run to their end before the failure is passed on, so a leaver
// that follows a cancelled joiner never runs beside one of its application calls.
export async function settleAll<T>(branches: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(branches);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}
