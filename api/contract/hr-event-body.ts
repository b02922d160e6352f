// The HR event as the API takes it: domain/hr-event.ts, named HrEvent in the document. The domain
// refuses control characters and bidirectional overrides in names and HR attributes with a
// refinement, which JSON Schema cannot carry; the same rule is registered as a pattern so that the
// document says it too (test/unit/openapi-document.test.ts keeps the two in agreement).
import { z } from 'zod';
import { employeeSchema, hrEventSchema } from '../../domain/hr-event';

/** No C0/C1 control character (\p{Cc}) and no bidirectional embedding, override or isolate. */
export const HUMAN_TEXT_PATTERN = '^[^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$';

export const HUMAN_TEXT_FIELDS = ['givenName', 'familyName', 'department', 'title', 'location'] as const;

for (const field of HUMAN_TEXT_FIELDS) {
  const schema = employeeSchema.shape[field];
  const meta = z.globalRegistry.get(schema);
  z.globalRegistry.remove(schema).add(schema, { ...meta, pattern: HUMAN_TEXT_PATTERN });
}

export const hrEventBody = hrEventSchema.meta({ id: 'HrEvent' });
