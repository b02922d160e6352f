// Corrections to the generated document that the generator cannot express: a body a route may omit
// (marked `x-body-optional` on the route; @fastify/swagger marks every body required), and named schemas
// nothing references (the input copies of answer-only schemas).

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
