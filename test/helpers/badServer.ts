// A misbehaving pprof endpoint on 127.0.0.1 for fault tests: each target gets its own path prefix
// (http://127.0.0.1:PORT/<name>/debug/pprof) and a behaviour that the test can switch between ticks.
// It records every request and the most requests it ever had in flight at once.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Behavior = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface SeenRequest {
  name: string;
  /** Path after /<name>, with the query. */
  path: string;
  headers: http.IncomingHttpHeaders;
}

export interface BadServer {
  port: number;
  /** http://127.0.0.1:PORT/<name>/debug/pprof */
  pprofUrl(name: string): string;
  set(name: string, behavior: Behavior): void;
  requests: SeenRequest[];
  /** The most requests in flight at the same time since the start (or the last resetConcurrency()). */
  readonly maxInFlight: number;
  resetConcurrency(): void;
  close(): Promise<void>;
}

export async function startBadServer(fallback: Behavior = status(404)): Promise<BadServer> {
  const behaviors = new Map<string, Behavior>();
  const requests: SeenRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server = http.createServer((req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let done = false;
    const end = () => {
      if (!done) {
        done = true;
        inFlight--;
      }
    };
    res.on('close', end);
    const m = /^\/([^/]+)(\/.*)?$/.exec(req.url ?? '/');
    const name = m?.[1] ?? '';
    requests.push({ name, path: m?.[2] ?? '/', headers: req.headers });
    (behaviors.get(name) ?? fallback)(req, res);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    pprofUrl: (name) => `http://127.0.0.1:${port}/${name}/debug/pprof`,
    set: (name, b) => behaviors.set(name, b),
    requests,
    get maxInFlight() {
      return maxInFlight;
    },
    resetConcurrency() {
      maxInFlight = inFlight;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Only the goroutine profile path gets `b`; every other pprof path (heap, goroutineleak, debug=2, vars) a 404. */
export function onGoroutine(b: Behavior): Behavior {
  return (req, res) => {
    const path = (req.url ?? '').replace(/^\/[^/]+/, '');
    if (path === '/debug/pprof/goroutine') b(req, res);
    else status(404)(req, res);
  };
}

export function bytes(body: Uint8Array, delayMs = 0): Behavior {
  return (_req, res) => {
    const send = () => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
      res.end(body);
    };
    if (delayMs > 0) setTimeout(send, delayMs);
    else send();
  };
}

export function status(code: number, body = `status ${code}\n`): Behavior {
  return (_req, res) => {
    res.writeHead(code, { 'content-type': 'text/plain' });
    res.end(body);
  };
}

/** Reads the request and never answers. */
export const hang: Behavior = () => {};

/** Answers 200 and then one byte every `everyMs`, forever (until the client goes away). */
export function trickle(everyMs = 200): Behavior {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.write(Buffer.from([0x1f]));
    const timer = setInterval(() => res.write(Buffer.from([0x8b])), everyMs);
    res.on('close', () => clearInterval(timer));
  };
}

/** Answers 200 with a body that never ends (chunked, written as fast as the client reads). */
export const endless: Behavior = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  const chunk = Buffer.alloc(16 * 1024, 0x42);
  let closed = false;
  res.on('close', () => {
    closed = true;
  });
  const pump = () => {
    while (!closed && res.write(chunk));
    if (!closed) res.once('drain', pump);
  };
  pump();
};

/** Declares Content-Length `size` (or none) and sends `sent` bytes, then cuts the connection. */
export function dropMidBody(size: number | null, sent: number): Behavior {
  return (_req, res) => {
    // size null: chunked (no Content-Length), cut between chunks.
    res.writeHead(200, { 'content-type': 'application/octet-stream', ...(size === null ? {} : { 'content-length': size }) });
    res.write(Buffer.alloc(sent, 0x1f), () => setTimeout(() => res.socket?.destroy(), 20));
  };
}

export function redirect(location: string, code = 302): Behavior {
  return (_req, res) => {
    res.writeHead(code, { location });
    res.end();
  };
}
