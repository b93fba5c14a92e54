// When a tick asks the optional endpoints (heap, /debug/vars, goroutineleak, debug=2): pure decisions over the
// target's config, the recorder's state and the tick's time, so the schedule is read and tested in one place and
// src/io/recordTick.ts only does the asking.
import { TARGET_DEFAULTS, varsUrl, type TargetConfig } from './config.js';
import type { TargetState } from './tickPlan.js';

/** How long an optional endpoint that answered 404 (or something unusable) is left alone: 6 hours. */
export const OPTIONAL_RETRY_SECONDS = 6 * 3600;

/** The part of the recorder's state the schedule reads and moves on. */
export type FetchBackoff = Pick<
  TargetState,
  'varsRetryTsSeconds' | 'leakRetryTsSeconds' | 'lastLeakFetchTsSeconds' | 'lastDebug2TsSeconds' | 'lastHeapFetchTsSeconds'
>;

export interface ExtrasDue {
  heap: boolean;
  /** The /debug/vars URL to ask, or null. */
  varsUrl: string | null;
  leak: boolean;
  debug2: boolean;
}

/**
 * Which optional endpoints this tick asks, and the state as it is once they were asked (each due endpoint's
 * "last asked" moves to `tsSeconds` whatever it answers, so a slow or failing endpoint is not asked every tick).
 * `goroutines` is this tick's total: debug=2 stops the world for the whole dump (1.6 s at 100k goroutines), so it
 * is asked only at or below the cap. `oneShot` (cron): the heap profile defaults to every
 * TARGET_DEFAULTS.heapProfileMinutes instead of every tick, because a fresh process pays its fetch and decode.
 */
export function extrasDue(
  t: TargetConfig,
  prev: FetchBackoff,
  tsSeconds: number,
  goroutines: number,
  oneShot: boolean,
): { due: ExtrasDue; backoff: FetchBackoff } {
  const backoff: FetchBackoff = {
    varsRetryTsSeconds: prev.varsRetryTsSeconds,
    leakRetryTsSeconds: prev.leakRetryTsSeconds,
    lastLeakFetchTsSeconds: prev.lastLeakFetchTsSeconds,
    lastDebug2TsSeconds: prev.lastDebug2TsSeconds,
    lastHeapFetchTsSeconds: prev.lastHeapFetchTsSeconds,
  };
  const heapEverySeconds = (t.heapProfileMinutes ?? (oneShot ? TARGET_DEFAULTS.heapProfileMinutes : 0)) * 60;
  // `ts < last` too: a clock stepped back must not stop the heap for as long as it stepped.
  const heap =
    t.heap !== false && (tsSeconds - prev.lastHeapFetchTsSeconds >= heapEverySeconds || tsSeconds < prev.lastHeapFetchTsSeconds);
  if (heap) backoff.lastHeapFetchTsSeconds = tsSeconds;

  const vars = varsUrl(t);
  const askVars = vars !== null && tsSeconds >= prev.varsRetryTsSeconds ? vars : null;

  // goroutineleak runs a GC in the service: every leakProfileMinutes (default 10), not every tick.
  const leakEverySeconds = (t.leakProfileMinutes ?? TARGET_DEFAULTS.leakProfileMinutes) * 60;
  const leak = tsSeconds >= prev.leakRetryTsSeconds && tsSeconds - prev.lastLeakFetchTsSeconds >= leakEverySeconds;
  if (leak) backoff.lastLeakFetchTsSeconds = tsSeconds;

  const d2 = t.debug2 === undefined ? TARGET_DEFAULTS.debug2 : t.debug2;
  const debug2 = d2 !== false && goroutines <= d2.maxGoroutines && tsSeconds - prev.lastDebug2TsSeconds >= d2.everyMinutes * 60;
  if (debug2) backoff.lastDebug2TsSeconds = tsSeconds;

  return { due: { heap, varsUrl: askVars, leak, debug2 }, backoff };
}

/** An HTTP failure message that means "this service does not serve that endpoint". */
export function isNotServed(message: string): boolean {
  return /HTTP 404/.test(message);
}

/**
 * The endpoint is not served (404) or answered something unusable: quietly ask again after
 * OPTIONAL_RETRY_SECONDS (expvar is optional; goroutineleak needs Go 1.26+ with GOEXPERIMENT=goroutineleakprofile).
 */
export function retryLater(backoff: FetchBackoff, endpoint: 'vars' | 'leak', tsSeconds: number): void {
  if (endpoint === 'vars') backoff.varsRetryTsSeconds = tsSeconds + OPTIONAL_RETRY_SECONDS;
  else backoff.leakRetryTsSeconds = tsSeconds + OPTIONAL_RETRY_SECONDS;
}
