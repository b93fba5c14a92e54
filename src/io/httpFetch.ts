// One bounded HTTP GET against a pprof endpoint: a deadline for the whole exchange, a cap on the body,
// no redirects (a redirect to another host could carry our auth header there), and errors turned into
// one-line messages that say what to fix. Secrets in headers never appear in a message.
import http from 'node:http';
import type { SampleStatus } from '../core/model.js';

export type FetchResult =
  | { ok: true; body: Buffer; contentType: string; elapsedMs: number }
  | { ok: false; status: SampleStatus; message: string };

export interface FetchOptions {
  headers?: Record<string, string>;
  timeoutMs: number;
  maxBytes: number;
  /** Extra CA certificates (PEM) for https endpoints with a private CA. */
  ca?: string | Buffer;
}

// The messages for a 5xx and a cut connection said what happened but not what to do (test/faultsEndpoint.test.ts
// asserts every fault's message names a fix).
function droppedMessage(where: string): string {
  return `connection to ${where} dropped mid-response: did the service restart or crash, or a proxy cut it off? check its logs`;
}

function describeNetworkError(e: NodeJS.ErrnoException, url: URL, hasCa: boolean): string {
  const where = url.host;
  switch (e.code) {
    case 'ECONNREFUSED':
      return `connection refused at ${where}: is the service running and serving pprof there? check the pprof URL`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve host ${url.hostname}: check the pprof URL`;
    case 'ECONNRESET':
    case 'EPIPE':
      return droppedMessage(where);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `host ${where} unreachable`;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      // With a caFile given, "give the CA" pointed the wrong way: the one given did not sign this certificate.
      return hasCa
        ? `TLS certificate of ${where} not trusted (${e.code}): the CA in "caFile" did not sign it; give the CA that did`
        : `TLS certificate of ${where} not trusted (${e.code}): give the CA with "caFile"`;
    // Two common misconfigurations that used to read "request to X failed (CODE)" with no fix
    // (test/faultsEndpoint.test.ts): https:// against a plain HTTP port, and a port that does not speak HTTP.
    case 'EPROTO':
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
      return `TLS handshake with ${where} failed (${e.code}): does it serve https there? check http/https in the pprof URL`;
    default:
      if (e.code?.startsWith('HPE_')) return `${where} did not answer HTTP (${e.code}): check the port in the pprof URL is the service's pprof HTTP port`;
      return `request to ${where} failed (${e.code ?? e.message})`;
  }
}

function badRequest(url: URL, body: string): FetchResult {
  const fix = /HTTP request to an HTTPS server/i.test(body) ? 'the endpoint speaks HTTPS: use https:// in the pprof URL' : 'check the pprof URL';
  return { ok: false, status: 'pprof-http-error', message: `HTTP 400 from ${url.host}${url.pathname}: ${fix}` };
}

export async function httpGet(urlText: string, opts: FetchOptions): Promise<FetchResult> {
  const url = new URL(urlText);
  // node:https (and the TLS stack behind it) costs the once-a-minute recorder ~15 ms to load (BENCHMARKS.md,
  // scenario 1): loaded only when a target really uses https. An import(), not createRequire: node:module alone
  // cost the tick 2.5 ms to load.
  const lib = url.protocol === 'https:' ? await import('node:https') : url.protocol === 'http:' ? http : null;
  if (!lib) return { ok: false, status: 'error', message: `only http and https URLs are allowed (${url.protocol})` };
  // process.hrtime, not performance.now(): the global \`performance\` loads perf_hooks and ten internal modules on
  // first use, ~2 ms of a cron tick's CPU (issue 10, item 7).
  const started = process.hrtime.bigint();
  return new Promise<FetchResult>((resolve) => {
    let settled = false;
    const finish = (r: FetchResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      req.destroy();
      resolve(r);
    };
    const req = lib.get(
      url,
      { headers: { 'user-agent': 'leakwatch', accept: '*/*', ...opts.headers }, ca: opts.ca, agent: false },
      (res) => {
        const code = res.statusCode ?? 0;
        const contentType = String(res.headers['content-type'] ?? '');
        if (code >= 300 && code < 400) {
          let to = 'elsewhere';
          try {
            to = new URL(String(res.headers.location ?? ''), url).host || to;
          } catch {
            // unparseable Location: still a redirect we do not follow
          }
          finish({ ok: false, status: 'pprof-http-error', message: `HTTP ${code} redirect to ${to}; leakwatch follows no redirects: use the final URL` });
          return;
        }
        if (code === 401 || code === 403) {
          finish({ ok: false, status: 'pprof-http-error', message: `HTTP ${code}: the endpoint wants credentials; set "headers" with \${VAR} from the environment` });
          return;
        }
        if (code === 404) {
          // A bare http://host:port is the commonest slip: net/http/pprof serves under /debug/pprof.
          const fix = url.pathname.includes('/debug/pprof')
            ? 'import _ "net/http/pprof" and check the pprof base URL'
            : `net/http/pprof serves under /debug/pprof: try ${url.origin}/debug/pprof as the pprof URL`;
          finish({ ok: false, status: 'pprof-http-error', message: `HTTP 404 at ${url.pathname}: no pprof handler there; ${fix}` });
          return;
        }
        if (code === 400 && url.protocol === 'http:') {
          // Go's TLS server answers plain HTTP with 400 "Client sent an HTTP request to an HTTPS server."
          const head: Buffer[] = [];
          res.on('data', (c: Buffer) => void (head.length < 4 && head.push(c)));
          res.on('end', () => finish(badRequest(url, Buffer.concat(head).toString('latin1'))));
          res.on('error', () => finish(badRequest(url, '')));
          return;
        }
        if (code < 200 || code >= 300) {
          const fix = code >= 500 ? 'the service (or a proxy in front of it) failed to serve the profile; check its logs' : 'check the pprof URL';
          finish({ ok: false, status: 'pprof-http-error', message: `HTTP ${code} from ${url.host}${url.pathname}: ${fix}` });
          return;
        }
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > opts.maxBytes) {
          finish({ ok: false, status: 'pprof-too-large', message: `response is ${declared} bytes, over the ${opts.maxBytes}-byte cap (maxProfileBytes)` });
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > opts.maxBytes) {
            finish({ ok: false, status: 'pprof-too-large', message: `response exceeded the ${opts.maxBytes}-byte cap (maxProfileBytes)` });
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          if (!res.complete) {
            finish({ ok: false, status: 'pprof-unreachable', message: droppedMessage(url.host) });
            return;
          }
          finish({ ok: true, body: Buffer.concat(chunks), contentType, elapsedMs: Number(process.hrtime.bigint() - started) / 1e6 });
        });
        res.on('aborted', () => finish({ ok: false, status: 'pprof-unreachable', message: droppedMessage(url.host) }));
        res.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, status: 'pprof-unreachable', message: describeNetworkError(e, url, opts.ca !== undefined) }));
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, status: 'pprof-unreachable', message: describeNetworkError(e, url, opts.ca !== undefined) }));
    const deadline = setTimeout(() => {
      finish({ ok: false, status: 'pprof-timeout', message: `no complete answer from ${url.host} within ${opts.timeoutMs / 1000} s; is the service overloaded? raise "timeoutSeconds" if it is just slow` });
    }, opts.timeoutMs);
  });
}
