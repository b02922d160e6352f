// A local HTTP endpoint that records what is POSTed to it, standing in for a ticketing system's
// inbound hook. It can be told to answer with an error status.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedPost {
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedPost[];
  /** The next answers, in order; afterwards 204. */
  answerWith(...statuses: { status: number; headers?: Record<string, string> }[]): void;
  /** Answer every request with this status until called again with undefined. */
  failAll(status: number | undefined): void;
  stop(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedPost[] = [];
  const answers: { status: number; headers?: Record<string, string> }[] = [];
  let failing: number | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = failing ? { status: failing } : (answers.shift() ?? { status: 204 });
      if (answer.status < 300) {
        received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      }
      res.writeHead(answer.status, answer.headers).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/jml`,
    received,
    answerWith: (...statuses) => answers.push(...statuses),
    failAll: (status) => (failing = status),
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
