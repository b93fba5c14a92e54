// One tick: sample every target once (concurrently, bounded), write what was seen, never lose what is on disk.
import { readFileSync } from 'node:fs';
import type { Config, TargetConfig } from '../core/config.js';
import { expandHeaders } from '../core/config.js';
import { extrasDue, isNotServed, retryLater, type FetchBackoff } from '../core/fetchSchedule.js';
import { heapInuseBytes, parseExpvarMemstats, parseGoroutineProfile, ProfileError, ProfileTooLargeError } from '../core/goroutineProfile.js';
import type { SampleRow } from '../core/model.js';
import { formatSampleRow, SAMPLES_HEADER } from '../core/samplesCsv.js';
import { identify, planTick, type ProfileOutcome, type TickExtras } from '../core/tickPlan.js';
import { gzipSync } from 'node:zlib';
import {
  appendHistory,
  appendStacks,
  checkTargetDir,
  historySize,
  loadState,
  prepareSamplesFile,
  saveSnapshot,
  saveState,
  targetDir,
} from './dataStore.js';
import { httpGet } from './httpFetch.js';
import { findProcess, sampleProcess } from './procSampler.js';
import { LOCK_FILE } from './lock.js';
import { appendLines } from './safeAppend.js';
import { ensureDataDir, UnsafePathError } from './safeOpen.js';
import { maintainSegments, rollOverForTick } from './segments.js';

export interface TargetResult {
  target: string;
  row: SampleRow | null;
  lastOkTsSeconds: number | null;
  /** One-line problems for stderr, each naming the target. */
  problems: string[];
}

export interface TickOptions {
  dataDir: string;
  config: Config;
  env: Record<string, string | undefined>;
  nowSeconds?: () => number;
  /**
   * A one-shot run (cron): the heap profile defaults to every TARGET_DEFAULTS.heapProfileMinutes instead of every
   * tick, because a fresh process pays its fetch and decode on a budget of ~1.5x `node -e 0` (issue 10). A loop
   * recorder is warm (a tick costs ~24 ms) and records short, dense windows where a heap point per tick matters.
   */
  oneShot?: boolean;
}

/** Inflated profiles may be this many times the compressed cap (profiles compress ~5-10x). */
const INFLATE_FACTOR = 8;

/** What every request to a target carries: expanded headers (secrets: memory only) and an optional CA. */
interface RequestAuth {
  headers: Record<string, string>;
  ca?: Buffer;
}

/** Headers with ${VAR} expanded, basic auth encoded, the CA file read; or a one-line error naming the fix. */
export function requestAuth(t: TargetConfig, env: Record<string, string | undefined>): RequestAuth | { error: string } {
  const h = expandHeaders(t.headers, env);
  if ('error' in h) return { error: h.error };
  const headers = h.headers;
  if (t.basicAuth) {
    const b = expandHeaders({ user: t.basicAuth.user, password: t.basicAuth.password }, env, false);
    if ('error' in b) return { error: `basicAuth: ${b.error.replace(/^header \w+ uses/, 'uses')}` };
    headers.Authorization = `Basic ${Buffer.from(`${b.headers.user}:${b.headers.password}`).toString('base64')}`;
  }
  let ca: Buffer | undefined;
  if (t.caFile) {
    try {
      ca = readFileSync(t.caFile);
    } catch (e) {
      return { error: `cannot read caFile ${t.caFile} (${(e as NodeJS.ErrnoException).code}); fix the path or its permissions` };
    }
    // Node ignores a CA file without a PEM certificate, and the TLS error would then blame the server.
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
      return { error: `caFile ${t.caFile} holds no PEM certificate ("-----BEGIN CERTIFICATE-----"): give the CA certificate in PEM` };
    }
  }
  return { headers, ca };
}

async function fetchProfile(t: TargetConfig, cfg: Config, auth: RequestAuth): Promise<{ outcome: ProfileOutcome; body: Buffer | null }> {
  const res = await httpGet(`${t.pprof}/goroutine`, {
    headers: auth.headers,
    ca: auth.ca,
    timeoutMs: (t.timeoutSeconds ?? cfg.timeoutSeconds) * 1000,
    maxBytes: cfg.maxProfileBytes,
  });
  if (!res.ok) return { outcome: res, body: null };
  try {
    const profile = parseGoroutineProfile(res.body, cfg.maxProfileBytes * INFLATE_FACTOR);
    return { outcome: { ok: true, profile }, body: res.body };
  } catch (e) {
    if (!(e instanceof ProfileError)) throw e;
    const tooLarge = e instanceof ProfileTooLargeError;
    const hint = /HTML|text dump|not a goroutine|frames in total/.test(e.message) ? '' : '; check the pprof URL points at net/http/pprof';
    return {
      outcome: { ok: false, status: tooLarge ? 'pprof-too-large' : 'pprof-bad-profile', message: `${t.pprof}/goroutine: ${e.message}${hint}` },
      body: null,
    };
  }
}

/** True for 127.0.0.0/8, ::1 and localhost: the only addresses where an unauthenticated pprof is acceptable. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/**
 * The optional endpoints this tick is due to ask (src/core/fetchSchedule.ts decides which), one after another
 * (never concurrently with each other: goroutineleak runs a GC and debug=2 stops the world). Each failure is a
 * note, never a failed row.
 */
async function fetchExtras(
  t: TargetConfig,
  cfg: Config,
  auth: RequestAuth,
  prev: FetchBackoff,
  ts: number,
  goroutines: number,
  save: (body: Uint8Array, kind: 'goroutineleak' | 'goroutine-debug2') => void,
  oneShot = false,
): Promise<{ extras: TickExtras; backoff: FetchBackoff }> {
  const extras: TickExtras = { heapInuseBytes: null, memstats: null, leakedConfirmed: null, notes: [] };
  const { due, backoff } = extrasDue(t, prev, ts, goroutines, oneShot);
  const timeoutMs = (t.timeoutSeconds ?? cfg.timeoutSeconds) * 1000;
  const get = (url: string) => httpGet(url, { headers: auth.headers, ca: auth.ca, timeoutMs, maxBytes: cfg.maxProfileBytes });
  const inflateCap = cfg.maxProfileBytes * INFLATE_FACTOR;

  if (due.heap) {
    const r = await get(`${t.pprof}/heap`);
    try {
      if (r.ok) extras.heapInuseBytes = heapInuseBytes(r.body, inflateCap);
      else extras.notes.push(`heap: ${r.message}`);
    } catch (e) {
      extras.notes.push(`heap: ${(e as Error).message}`);
    }
  }
  if (due.varsUrl) {
    const r = await get(due.varsUrl);
    if (r.ok) {
      try {
        extras.memstats = parseExpvarMemstats(r.body.toString('utf8'));
      } catch (e) {
        extras.notes.push(`vars: ${(e as Error).message}`);
        retryLater(backoff, 'vars', ts);
      }
    } else if (isNotServed(r.message)) {
      retryLater(backoff, 'vars', ts); // no expvar: quietly ask again in a few hours
    } else {
      extras.notes.push(`vars: ${r.message}`);
    }
  }
  if (due.leak) {
    const r = await get(`${t.pprof}/goroutineleak`);
    if (r.ok) {
      try {
        extras.leakedConfirmed = parseGoroutineProfile(r.body, inflateCap, 'goroutineleak').total;
        save(r.body, 'goroutineleak');
      } catch (e) {
        extras.notes.push(`goroutineleak: ${(e as Error).message}`);
      }
    } else if (isNotServed(r.message)) {
      retryLater(backoff, 'leak', ts);
    } else {
      extras.notes.push(`goroutineleak: ${r.message}`);
    }
  }
  if (due.debug2) {
    const r = await get(`${t.pprof}/goroutine?debug=2`);
    if (r.ok && /^goroutine \d+/.test(r.body.subarray(0, 64).toString('latin1'))) save(gzipSync(r.body), 'goroutine-debug2');
    else extras.notes.push(`debug=2: ${r.ok ? 'not a goroutine dump' : r.message}`);
  }
  return { extras, backoff };
}

export async function recordTarget(t: TargetConfig, opts: TickOptions): Promise<TargetResult> {
  const dir = targetDir(opts.dataDir, t.name);
  const problems: string[] = [];
  const say = (msg: string) => problems.push(`target ${t.name}: ${msg}`);
  // What this tick has written so far, in order: an error message says exactly what is on disk and what is not.
  const written: string[] = [];
  let writing = '';
  try {
    checkTargetDir(dir);
    const loaded = loadState(dir);
    if (loaded.warning) say(loaded.warning);
    const state = loaded.state;
    const hasFinder = t.pid !== undefined || t.process !== undefined || t.pidfile !== undefined;
    const found = hasFinder ? findProcess(t) : null;
    const proc = found && 'pid' in found ? await sampleProcess(found.pid) : null;
    const id = identify(state, t, found, proc);
    // Sample time: after the process read, before the (slower) profile fetch.
    const ts = (opts.nowSeconds ?? (() => Date.now() / 1000))();
    let outcome: ProfileOutcome = null;
    let body: Buffer | null = null;
    let extras: TickExtras | null = null;
    let backoff: FetchBackoff | null = null;
    const pendingSnapshots: Array<{ body: Uint8Array; kind: 'goroutineleak' | 'goroutine-debug2' }> = [];
    if (t.pprof && id.kind !== 'failed') {
      const auth = requestAuth(t, opts.env);
      if ('error' in auth) {
        outcome = { ok: false, status: 'error', message: auth.error };
      } else {
        ({ outcome, body } = await fetchProfile(t, opts.config, auth));
        if (outcome?.ok) {
          ({ extras, backoff } = await fetchExtras(t, opts.config, auth, state, ts, outcome.profile.total, (b, kind) => pendingSnapshots.push({ body: b, kind }), opts.oneShot));
        }
        // pprof endpoints expose stacks, labels and command lines: warn once when one is open beyond loopback.
        const host = new URL(t.pprof).hostname;
        // Only once it really answered: an unresolvable or closed host exposes nothing.
        if (outcome?.ok && !isLoopbackHost(host) && Object.keys(auth.headers).length === 0 && !state.warned.includes('exposed')) {
          say(`warning: pprof is served on ${host} without auth; anyone who can reach it can read your stacks (the Go docs advise against exposing it): bind it to 127.0.0.1 or put auth in front`);
          state.warned = [...state.warned, 'exposed'];
        }
      }
    }
    for (const p of rollOverForTick(dir, ts)) say(p); // once a UTC month: close the live files as segments first
    const plan = planTick(state, t, ts, id, outcome, historySize(dir), extras);
    if (backoff) Object.assign(plan.state, backoff);

    // Dictionary before history before row: a reader never meets an id it cannot resolve.
    if (plan.newStacks.length) {
      writing = `${plan.newStacks.length} new stack(s) in stacks.jsonl`;
      ({ stacksBytes: plan.state.stacksBytes, idsBytes: plan.state.idsBytes } = appendStacks(dir, plan.newStacks));
      written.push(writing);
    }
    if (plan.historyLine) {
      writing = 'the stack-history.log line';
      plan.state.historyBytes = appendHistory(dir, plan.historyLine);
      written.push(writing);
    }
    writing = 'the samples.csv row';
    const samples = prepareSamplesFile(dir, ts);
    if (samples.movedAside) say(`samples.csv had ${samples.why ?? 'another layout'}; moved it to ${samples.movedAside} (its rows are still read)`);
    appendLines(samples.path, formatSampleRow(plan.row), SAMPLES_HEADER);
    written.push(writing);
    writing = 'state.json';
    saveState(dir, plan.state);
    written.push(writing);
    const snapshots = [...(body && outcome?.ok ? [{ body, kind: 'goroutine' as const }] : []), ...pendingSnapshots];
    for (const snap of snapshots) {
      try {
        saveSnapshot(dir, snap.body, ts, plan.row.pid, opts.config.retentionDays, snap.kind);
      } catch (e) {
        say(`could not save the ${snap.kind} snapshot (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
    }
    for (const p of maintainSegments(dir, ts, t).problems) say(p); // segment retention and compaction, after the writes
    if (plan.row.status !== 'ok') say(`${plan.row.status}: ${plan.row.message}`);
    return { target: t.name, row: plan.row, lastOkTsSeconds: plan.state.lastOkTsSeconds, problems };
  } catch (e) {
    if (e instanceof UnsafePathError) {
      say(`refused: ${e.message}; nothing was written this tick`);
      return { target: t.name, row: null, lastOkTsSeconds: null, problems };
    }
    const err = e as NodeJS.ErrnoException;
    // Exactly what is on disk (issue 10: "could not record" was said of a tick whose row had been written).
    const what = !writing
      ? 'nothing of this tick was written'
      : `${written.length ? `wrote ${written.join(', ')}; ` : ''}did not write ${writing}${writing === 'state.json' ? ' (the next tick rebuilds it)' : ''}`;
    if (writing === 'state.json') {
      say(`recorded this tick but could not save state.json (${err.code ?? err.message}): ${what}; ${err.code === 'ENOSPC' ? 'the disk is full: free space' : `check ${dir}`}`);
      return { target: t.name, row: null, lastOkTsSeconds: null, problems };
    }
    const fix =
      err.code === 'ENOSPC' ? `the disk is full (${what}): free space; nothing already recorded was lost`
        : err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'EROFS' ? `cannot write under ${dir}: fix its permissions or pass --data`
          : `${what}; nothing already recorded was lost`;
    say(`could not record this tick (${err.code ?? err.message}): ${fix}`);
    return { target: t.name, row: null, lastOkTsSeconds: null, problems };
  }
}

/** Runs `fn` over items with at most `limit` in flight. */
export async function mapBounded<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  });
  await Promise.all(workers);
  return out;
}

export async function recordTick(opts: TickOptions): Promise<TargetResult[]> {
  ensureDataDir(opts.dataDir, [LOCK_FILE]);
  return mapBounded(opts.config.targets, opts.config.concurrency, (t) => recordTarget(t, opts));
}

