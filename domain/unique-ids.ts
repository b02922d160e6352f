// One rule for every list whose entries are named by id (applications, roles): ids are unique.
import type { z } from 'zod';

/** Reports each entry whose id repeats an earlier one, at `<list>.<index>.id`. */
export function reportDuplicateIds(
  list: string,
  entries: unknown[],
  what: string,
  ctx: z.RefinementCtx,
): void {
  const seen = new Set<string>();
  entries.forEach((entry, i) => {
    const id = (entry as { id?: unknown } | undefined)?.id;
    if (typeof id !== 'string') return;
    if (seen.has(id))
      ctx.addIssue({ code: 'custom', path: [list, i, 'id'], message: `duplicate ${what} id "${id}"` });
    seen.add(id);
  });
}
