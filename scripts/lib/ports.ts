// Free loopback ports and waiting for a server to accept connections.
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { StartRefused } from './run-record';

/** The lowest port the kernel hands out to bind(0) and to outgoing connections (Linux's default if unknown). */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

const LOWEST_PICKED = 10_000;

/**
 * A free loopback port for a server started next, picked at random below the ephemeral range: one
 * the kernel chose for bind(0) could be handed to another program's bind(0) or outgoing connection
 * before our server binds it, and waiting for the port would then meet that program instead.
 */
export async function freePort(): Promise<number> {
  const highest = Math.min(ephemeralLow(), 65_536) - 1;
  for (let attempt = 0; attempt < 50 && highest > LOWEST_PICKED; attempt++) {
    try {
      return await listenOnce(randomInt(LOWEST_PICKED, highest + 1));
    } catch (error) {
      if (!['EADDRINUSE', 'EACCES'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
    }
  }
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
