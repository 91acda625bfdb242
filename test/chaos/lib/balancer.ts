/**
 * The test's own load balancer: a tiny HTTP proxy on 127.0.0.1, round-robin over the backends,
 * trying the next one when a backend refuses the connection (as nginx's proxy_next_upstream
 * error does). Counts what each backend answered.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Balancer {
  url: string;
  /** Requests each backend answered, by backend URL. */
  answered: Map<string, number>;
  close(): Promise<void>;
}

export async function startBalancer(backends: string[]): Promise<Balancer> {
  const answered = new Map(backends.map((b) => [b, 0]));
  let next = 0;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    for (let tried = 0; tried < backends.length; tried++) {
      const backend = backends[next++ % backends.length]!;
      const target = new URL(backend);
      const ok = await new Promise<boolean>((resolve) => {
        const upstream = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          answered.set(backend, answered.get(backend)! + 1);
          resolve(true);
        });
        // Refused or reset before an answer: nothing reached the app, another backend may take it.
        upstream.on('error', () => resolve(false));
        upstream.end(body);
      });
      if (ok) return;
    }
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end('{"error":"no_backend"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answered,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
