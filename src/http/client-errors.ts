import { STATUS_CODES, type Server } from 'node:http';
import type { Socket } from 'node:net';

// How long a refused connection may keep sending what we no longer read before it is cut.
const DRAIN_MS = 10_000;

/**
 * Answers what Node's HTTP parser refuses before any handler sees it (a request head over
 * `maxHeaderSize`, a malformed request line) with a JSON 4xx like every other refusal, and
 * closes the connection gracefully. Node's own answer destroys the socket right after writing:
 * a client still sending a request of many kilobytes then meets a reset and never reads the
 * 431. Here the answer is followed by a FIN, and what the client still sends is read and
 * dropped, so it gets its answer.
 */
export function answerClientErrors(server: Server): void {
  const answered = new WeakSet<Socket>();
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    // The parser reports again for every chunk that follows: answer once.
    if (answered.has(socket)) return;
    answered.add(socket);
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (!socket.writable || inFlight?.headersSent || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const [status, code, message] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'request_too_large', 'the request line and headers are larger than this server reads (16 KiB)']
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'request_timeout', 'the request did not arrive in time']
          : [400, 'bad_request', 'not a well-formed HTTP request'];
    const body = JSON.stringify({ error: code, message });
    socket.on('error', () => socket.destroy());
    socket.on('data', () => {});
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
    setTimeout(() => socket.destroy(), DRAIN_MS).unref();
  });
}
