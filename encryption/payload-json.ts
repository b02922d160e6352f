// Payloads as the codec-server protocol carries them: protobuf JSON, where `data` and every metadata
// value are base64 (https://github.com/temporalio/samples-go/tree/main/codec-server#codec-server-protocol).
import type { Payload } from '@temporalio/common';
import { z } from 'zod';

// Protobuf JSON accepts standard and URL-safe base64, with or without padding.
const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');

// Protobuf JSON leaves out empty fields: no payloads at all is `{}` (a query without arguments).
export const payloadsBodySchema = z.object({
  payloads: z
    .array(
      z.object({
        metadata: z.record(z.string(), base64).nullish(),
        data: base64.nullish(),
      }),
    )
    .default([]),
});

export type PayloadJson = z.infer<typeof payloadsBodySchema>['payloads'][number];

export function payloadFromJson({ metadata, data }: PayloadJson): Payload {
  return {
    metadata: Object.fromEntries(
      Object.entries(metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')]),
    ),
    data: Buffer.from(data ?? '', 'base64'),
  };
}

export function payloadToJson({ metadata, data }: Payload): {
  metadata: Record<string, string>;
  data: string;
} {
  return {
    metadata: Object.fromEntries(
      Object.entries(metadata ?? {}).map(([key, value]) => [
        key,
        Buffer.from(value ?? []).toString('base64'),
      ]),
    ),
    data: Buffer.from(data ?? []).toString('base64'),
  };
}
