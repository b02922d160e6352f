// Corrections to the generated document that the generator cannot express: a body a route may omit
// (marked `x-body-optional` on the route; @fastify/swagger marks every body required); a `format`
// next to a `pattern` (zod checks emails and timestamps by its pattern, which is not exactly the
// RFC format, so the pattern is the contract); and named schemas nothing references (the input
// copies of answer-only schemas).

export const OPTIONAL_BODY = 'x-body-optional';

interface Shape {
  paths?: Record<string, unknown>;
  components?: { schemas?: Record<string, unknown> };
}

export function finishDocument<T extends Shape>(document: T): T {
  for (const item of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(item ?? {}) as Record<string, unknown>[]) {
      if (!operation || typeof operation !== 'object' || !(OPTIONAL_BODY in operation)) continue;
      delete operation[OPTIONAL_BODY];
      const body = operation.requestBody as { required?: boolean } | undefined;
      if (body) body.required = false;
    }
  }
  dropFormatsBesidePatterns(document);
  const schemas = document.components?.schemas;
  // Until nothing more goes: a removed schema may have been the only one naming another.
  for (let removed = true; schemas && removed;) {
    removed = false;
    const text = JSON.stringify(document);
    for (const name of Object.keys(schemas)) {
      if (!text.includes(`"#/components/schemas/${name}"`)) {
        delete schemas[name];
        removed = true;
      }
    }
  }
  return document;
}

function dropFormatsBesidePatterns(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) dropFormatsBesidePatterns(item);
  } else if (node && typeof node === 'object') {
    const schema = node as Record<string, unknown>;
    if (typeof schema.pattern === 'string' && typeof schema.format === 'string') delete schema.format;
    for (const value of Object.values(schema)) dropFormatsBesidePatterns(value);
  }
}
