// Goroutine profiles with chosen stacks and labels, encoded with pprof-format exactly as Go lays them out
// (functions and locations deduplicated, labels as string pairs), and a loopback HTTP server that serves them.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { Function as PFunction, Label, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';

export interface StackSpec {
  /** Leaf first: [function, file, line]. */
  frames: Array<[string, string, number]>;
  labels?: Record<string, string>;
  count: number;
}

export function encodeGoroutineProfile(stacks: StackSpec[]): Buffer {
  const st = new StringTable();
  const fns = new Map<string, PFunction>();
  const locs = new Map<string, Location>();
  const locId = (fn: string, file: string, line: number): number => {
    const k = `${fn}\u0000${file}\u0000${line}`;
    let loc = locs.get(k);
    if (!loc) {
      const fk = `${fn}\u0000${file}`;
      let f = fns.get(fk);
      if (!f) fns.set(fk, (f = new PFunction({ id: fns.size + 1, name: st.dedup(fn), systemName: st.dedup(fn), filename: st.dedup(file) })));
      locs.set(k, (loc = new Location({ id: locs.size + 1, line: [new Line({ functionId: f.id, line })] })));
    }
    return loc.id as number;
  };
  const samples = stacks.map(
    (s) =>
      new Sample({
        locationId: s.frames.map(([fn, file, line]) => locId(fn, file, line)),
        value: [s.count],
        label: Object.entries(s.labels ?? {}).map(([k, v]) => new Label({ key: st.dedup(k), str: st.dedup(v) })),
      }),
  );
  const p = new Profile({
    sampleType: [new ValueType({ type: st.dedup('goroutine'), unit: st.dedup('count') })],
    sample: samples,
    location: [...locs.values()],
    function: [...fns.values()],
    stringTable: st,
  });
  return gzipSync(p.encode());
}

/** A handler frame set like a Go HTTP server's: the request's goroutine parked in a channel receive. */
export function requestFrames(handler: string): Array<[string, string, number]> {
  return [
    ['runtime.gopark', '/usr/local/go/src/runtime/proc.go', 462],
    ['runtime.chanrecv', '/usr/local/go/src/runtime/chan.go', 664],
    [`main.${handler}`, '/src/svc/handlers.go', 42],
    ['net/http.HandlerFunc.ServeHTTP', '/usr/local/go/src/net/http/server.go', 2294],
    ['net/http.(*conn).serve', '/usr/local/go/src/net/http/server.go', 2092],
  ];
}

/** Serves `body()` at <url>/goroutine (every other path 404) until closed. */
export async function serveProfile(body: () => Buffer): Promise<{ pprof: string; requests: Map<string, number>; close(): Promise<void> }> {
  const requests = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    requests.set(req.url ?? '', (requests.get(req.url ?? '') ?? 0) + 1);
    if (req.url === '/debug/pprof/goroutine') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(body());
    } else {
      res.writeHead(404);
      res.end('404 page not found\n');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    pprof: `http://127.0.0.1:${port}/debug/pprof`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
