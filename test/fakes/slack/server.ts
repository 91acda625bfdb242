/**
 * The emulator's HTTP server on 127.0.0.1 (node:http, no framework): routes each URL to
 * its handler and WebSocket upgrades to Socket Mode.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendText } from './http-body.ts';
import { handleFileDownload, handleResponseUrl, handleUpload, type RouteDeps } from './routes.ts';
import type { SocketMode } from './socket-mode.ts';
import { handleWebApi, type WebApiDeps } from './web-api.ts';

export interface Listening {
  server: Server;
  base: string;
  wsBase: string;
}

export async function listen(routes: () => { api: WebApiDeps; files: RouteDeps; socket: SocketMode }): Promise<Listening> {
  const server = createServer((req, res) => {
    const { api, files } = routes();
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    const [, head = '', second = '', ...rest] = url.pathname.split('/');
    const route = (): Promise<void> | void => {
      if (head === 'api' && second) return handleWebApi(api, req, res, second, url.searchParams);
      if (head === 'upload' && second === 'v1' && req.method === 'POST') return handleUpload(files, req, res, rest.join('/'));
      if (head === 'files-pri' && second) return handleFileDownload(files.ws, req, res, second);
      if ((head === 'commands' || head === 'actions') && req.method === 'POST') {
        return handleResponseUrl(files, req, res, url.pathname.slice(1), url.href);
      }
      sendText(res, 404, 'Not Found');
    };
    Promise.resolve()
      .then(route)
      .catch((error: unknown) => {
        if (!res.headersSent) sendText(res, 500, `slack emulator: ${error instanceof Error ? error.message : String(error)}`);
        else res.destroy();
      });
  });
  server.on('upgrade', (req, socket, head) => routes().socket.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, base: `http://127.0.0.1:${port}/`, wsBase: `ws://127.0.0.1:${port}/` };
}
