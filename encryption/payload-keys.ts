// The payload encryption keys, from the environment: every key listed can decrypt, one of them
// encrypts. Rotation is adding a key and making it the writing one; the old key stays listed for as
// long as histories written with it are kept (the namespace retention).
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ConfigError } from '../config/load';
import { describeIssues } from '../domain/hr-event';

export const PAYLOAD_KEYS_VAR = 'JML_PAYLOAD_KEYS';
export const PAYLOAD_KEY_ID_VAR = 'JML_PAYLOAD_KEY_ID';

/** AES-256 takes 32-byte keys. */
export const KEY_BYTES = 32;

export interface PayloadKeys {
  /** Id of the key new payloads are encrypted with; it is written into each payload's metadata. */
  writeKeyId: string;
  /** Every key that may decrypt, by id (the writing key among them). */
  keys: ReadonlyMap<string, Buffer>;
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
const HOW_TO_MAKE = `a key is ${KEY_BYTES} random bytes in base64, e.g. \`openssl rand -base64 ${KEY_BYTES}\``;

/** `id:base64,id:base64`. Messages name the key id and what is wrong, never the key material. */
const keyListSchema = z
  .string({ error: `not set: list the keys as "<id>:<base64 key>,…" (${HOW_TO_MAKE})` })
  .transform((text, ctx) => {
    const keys = new Map<string, Buffer>();
    const seen = new Set<string>();
    for (const [index, entry] of text.split(',').entries()) {
      const item = entry.trim();
      const colon = item.indexOf(':');
      const id = colon < 0 ? '' : item.slice(0, colon);
      const material = colon < 0 ? '' : item.slice(colon + 1);
      const where = id && KEY_ID.test(id) ? `key "${id}"` : `entry ${index + 1}`;
      const problem = !item
        ? `${where} is empty`
        : colon < 0
          ? `${where} has no "<id>:" before the key`
          : !KEY_ID.test(id)
            ? `${where}: the id must be 1 to 64 letters, digits, ".", "_" or "-"`
            : seen.has(id)
              ? `${where} is listed twice`
              : !BASE64.test(material)
                ? `${where} is not base64 (${HOW_TO_MAKE})`
                : Buffer.from(material, 'base64').length !== KEY_BYTES
                  ? `${where} is ${Buffer.from(material, 'base64').length} bytes; AES-256 needs ${KEY_BYTES} (${HOW_TO_MAKE})`
                  : undefined;
      seen.add(id);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
      else keys.set(id, Buffer.from(material, 'base64'));
    }
    return keys;
  });

const envSchema = z
  .object({
    [PAYLOAD_KEYS_VAR]: keyListSchema,
    [PAYLOAD_KEY_ID_VAR]: z.string().min(1).optional(),
  })
  .transform((env, ctx): PayloadKeys => {
    const keys = env[PAYLOAD_KEYS_VAR];
    const chosen = env[PAYLOAD_KEY_ID_VAR];
    const ids = [...keys.keys()];
    if (chosen === undefined && ids.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: [PAYLOAD_KEY_ID_VAR],
        message: `not set: with several keys (${ids.join(', ')}) say which one encrypts`,
      });
      return z.NEVER;
    }
    const writeKeyId = chosen ?? ids[0]!;
    if (!keys.has(writeKeyId)) {
      ctx.addIssue({
        code: 'custom',
        path: [PAYLOAD_KEY_ID_VAR],
        message: `"${writeKeyId}" is not one of the keys in ${PAYLOAD_KEYS_VAR} (${ids.join(', ')})`,
      });
      return z.NEVER;
    }
    return { writeKeyId, keys };
  });

/** The keys from JML_PAYLOAD_KEYS and JML_PAYLOAD_KEY_ID; a ConfigError names every problem. */
export function payloadKeysFromEnv(env: NodeJS.ProcessEnv = process.env): PayloadKeys {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError('environment', describeIssues(parsed.error));
  return parsed.data;
}

/**
 * A new random key as JML_PAYLOAD_KEYS holds it. The id is random too: a key made anew where an old
 * one was lost is then reported as an unknown key id by what the old one encrypted.
 */
export function newPayloadKeysValue(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}:${randomBytes(KEY_BYTES).toString('base64')}`;
}
