// Structured logs: JSON in production, pretty in a terminal; secrets and PII redacted by key.
import pino from 'pino';

const REDACTED_KEYS = [
  'token',
  'password',
  'bindPassword',
  'secret',
  'hrWebhookSecret',
  'apiToken',
  'apiKey',
  'authorization',
  'email',
  'givenName',
  'familyName',
  'userName',
];

export function createLogger(name: string) {
  const pretty = process.stdout.isTTY && process.env.JML_LOG_FORMAT !== 'json';
  return pino({
    name,
    level: process.env.JML_LOG_LEVEL ?? 'info',
    redact: {
      paths: [
        ...REDACTED_KEYS,
        ...REDACTED_KEYS.map((k) => `*.${k}`),
        ...REDACTED_KEYS.map((k) => `*.*.${k}`),
      ],
      censor: '[redacted]',
    },
    transport: pretty
      ? { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } }
      : undefined,
  });
}

export type Logger = ReturnType<typeof createLogger>;
