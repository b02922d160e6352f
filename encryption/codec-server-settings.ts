// The codec server's settings, from the environment: its token, the Temporal UI origins that may call
// it from a browser, where it listens, and the payload keys (payload-keys.ts).
import { z } from 'zod';
import { ConfigError } from '../config/load';
import { describeIssues } from '../domain/hr-event';
import { payloadKeysFromEnv, type PayloadKeys } from './payload-keys';

export interface CodecServerSettings {
  token: string;
  allowedOrigins: string[];
  host: string;
  port: number;
  keys: PayloadKeys;
}

const isOrigin = (text: string) => URL.canParse(text) && new URL(text).origin === text;

const envSchema = z.object({
  // It may travel in a URL path (the UI's endpoint), so only characters a path keeps as they are.
  JML_CODEC_TOKEN: z
    .string({
      error: 'not set: the token that lets an operator decode payloads (e.g. `openssl rand -hex 24`)',
    })
    .regex(/^[A-Za-z0-9._~-]+$/, 'may hold only letters, digits, ".", "_", "~" and "-"')
    .min(24, 'must be at least 24 characters'),
  JML_CODEC_CORS_ORIGINS: z
    .string()
    .optional()
    .transform((text, ctx) => {
      const origins = (text ?? '')
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean);
      for (const origin of origins.filter((o) => !isOrigin(o))) {
        ctx.addIssue({
          code: 'custom',
          message: `"${origin}" is not an origin: scheme, host and port only, e.g. https://temporal.example.com`,
        });
      }
      return origins;
    }),
  JML_CODEC_HOST: z.string().min(1).default('127.0.0.1'),
  JML_CODEC_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
});

/** `uiOrigins`: Temporal UIs allowed besides JML_CODEC_CORS_ORIGINS (npm start adds its embedded one). */
export function codecServerSettings(
  env: NodeJS.ProcessEnv,
  uiOrigins: readonly string[] = [],
): CodecServerSettings {
  const parsed = envSchema.safeParse(env);
  const problems = parsed.success ? [] : describeIssues(parsed.error);
  let keys: PayloadKeys | undefined;
  try {
    keys = payloadKeysFromEnv(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  if (!parsed.success || !keys) throw new ConfigError('environment', problems);
  const e = parsed.data;
  return {
    token: e.JML_CODEC_TOKEN,
    allowedOrigins: [...new Set([...uiOrigins, ...e.JML_CODEC_CORS_ORIGINS])],
    host: e.JML_CODEC_HOST,
    port: e.JML_CODEC_PORT,
    keys,
  };
}

/** The origins a browser shows for a Temporal UI on this machine's port. */
export function localUiOrigins(uiPort: number): string[] {
  return [`http://localhost:${uiPort}`, `http://127.0.0.1:${uiPort}`];
}
