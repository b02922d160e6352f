// Reads a JSON document (a file, or - for standard input) and validates it, naming every field at fault.
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { describeIssues } from '../domain/hr-event';
import { FileError } from './exit-codes';

export function readValid<T>(source: string, schema: z.ZodType<T>): T {
  let text: string;
  try {
    text = readFileSync(source === '-' ? 0 : source, 'utf8');
  } catch (error) {
    throw new FileError(`${source}: cannot read: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new FileError(`${source}: not JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    // One line per problem, each starting with the file, as compilers do.
    throw new FileError(
      describeIssues(parsed.error)
        .map((p) => `${source}: ${p.path}: ${p.message}`)
        .join('\n'),
    );
  }
  return parsed.data;
}
