// A cap on the connections one client address holds at once, so that one misbehaving sender cannot
// use up the server's sockets; the connection over the cap is told 429 and closed.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

const TOO_MANY =
  'HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nConnection: close\r\nContent-Type: application/json\r\n' +
  'Content-Length: 79\r\n\r\n{"error":"too_many_connections","message":"too many open connections from you"}';

export function limitConnectionsPerClient(server: Server, max: number): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const count = (open.get(address) ?? 0) + 1;
    if (count > max) {
      socket.end(TOO_MANY);
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}
