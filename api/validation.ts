// Request validation with the routes' zod schemas; a failure keeps zod's issues so the 400 names
// every invalid field the way the rest of jml does (domain/hr-event.ts describeIssues).
import type { FastifySchemaCompiler } from 'fastify';
import type { z } from 'zod';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The `error` of a 400 for an invalid body, e.g. `invalid_event` (default `invalid_body`). */
    invalidBody?: string;
    /** The `error` of a 400 for an invalid path parameter (default `invalid_path`). */
    invalidParams?: string;
  }
}

export class RequestValidationError extends Error {
  /** Set by Fastify: `body`, `params` or `querystring`. */
  validationContext?: string;
  constructor(readonly zodError: z.ZodError) {
    super('request validation failed');
  }
}

export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema }) =>
  (data) => {
    const parsed = schema.safeParse(data);
    return parsed.success ? { value: parsed.data } : { error: new RequestValidationError(parsed.error) };
  };

/** The 400 `error` for a part of the request, as the route names it. */
export function invalidErrorName(
  context: string | undefined,
  config: { invalidBody?: string; invalidParams?: string },
): string {
  if (context === 'body') return config.invalidBody ?? 'invalid_body';
  if (context === 'params') return config.invalidParams ?? 'invalid_path';
  return 'invalid_query';
}
