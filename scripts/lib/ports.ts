// Free loopback ports and waiting for a server to accept connections.
import { createServer, connect } from 'node:net';
import { StartRefused } from './run-record';

export function freePort(): Promise<number> {
  return listenOnce(0);
}

/**
 * The port a local server we start should use: a free one, or the requested one if nothing listens
 * there yet. Otherwise waiting for the port would mistake whatever already answers for our server.
 */
export async function portFor(requested: number | undefined, what: string): Promise<number> {
  if (requested === undefined) return freePort();
  try {
    return await listenOnce(requested);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EADDRINUSE')
      throw new Error(`cannot start the ${what} on 127.0.0.1:${requested}: ${code ?? String(error)}`);
    // What an earlier `npm start` left behind has been stopped by now (run-record.ts): this is someone else's.
    throw new StartRefused(
      `cannot start the ${what}: 127.0.0.1:${requested} is in use by a program jml did not start ` +
        `(see \`lsof -iTCP:${requested} -sTCP:LISTEN\`); stop it, or choose another port`,
    );
  }
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Resolves when host:port accepts a TCP connection; rejects after `timeoutMs`. */
export async function waitForPort(
  port: number,
  timeoutMs: number,
  what: string,
  host = '127.0.0.1',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((done) => {
      const socket = connect(port, host);
      socket.once('connect', () => (socket.destroy(), done(true)));
      socket.once('error', () => (socket.destroy(), done(false)));
    });
    if (open) return;
    if (Date.now() > deadline)
      throw new Error(`${what} did not start listening on ${host}:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
