// One tick: sample every target once (concurrently, bounded), write what was seen, never lose what is on disk.
import { join } from 'node:path';
import type { Config, TargetConfig } from '../core/config.js';
import { expandHeaders } from '../core/config.js';
import { parseGoroutineProfile, ProfileError } from '../core/goroutineProfile.js';
import type { SampleRow } from '../core/model.js';
import { formatSampleRow, SAMPLES_HEADER } from '../core/samplesCsv.js';
import { identify, planTick, type ProfileOutcome } from '../core/tickPlan.js';
import {
  appendHistory,
  appendStacks,
  ensureDir,
  historySize,
  loadState,
  prepareSamplesFile,
  saveSnapshot,
  saveState,
  targetDir,
} from './dataStore.js';
import { httpGet } from './httpFetch.js';
import { findProcess, sampleProcess } from './procSampler.js';
import { appendLines } from './safeAppend.js';

export interface TargetResult {
  target: string;
  row: SampleRow | null;
  /** One-line problems for stderr, each naming the target. */
  problems: string[];
}

export interface TickOptions {
  dataDir: string;
  config: Config;
  env: Record<string, string | undefined>;
  nowSeconds?: () => number;
}

/** Inflated profiles may be this many times the compressed cap (profiles compress ~5-10x). */
const INFLATE_FACTOR = 8;

async function fetchProfile(t: TargetConfig, cfg: Config, env: Record<string, string | undefined>): Promise<{ outcome: ProfileOutcome; body: Buffer | null }> {
  if (!t.pprof) return { outcome: null, body: null };
  const h = expandHeaders(t.headers, env);
  if ('error' in h) return { outcome: { ok: false, status: 'error', message: h.error }, body: null };
  const res = await httpGet(`${t.pprof}/goroutine`, {
    headers: h.headers,
    timeoutMs: (t.timeoutSeconds ?? cfg.timeoutSeconds) * 1000,
    maxBytes: cfg.maxProfileBytes,
  });
  if (!res.ok) return { outcome: res, body: null };
  try {
    const profile = parseGoroutineProfile(res.body, cfg.maxProfileBytes * INFLATE_FACTOR);
    return { outcome: { ok: true, profile }, body: res.body };
  } catch (e) {
    if (!(e instanceof ProfileError)) throw e;
    const tooLarge = /more than/.test(e.message);
    const hint = /HTML|text dump|not a goroutine/.test(e.message) ? '' : '; check the pprof URL points at net/http/pprof';
    return {
      outcome: { ok: false, status: tooLarge ? 'pprof-too-large' : 'pprof-bad-profile', message: `${t.pprof}/goroutine: ${e.message}${hint}` },
      body: null,
    };
  }
}

export async function recordTarget(t: TargetConfig, opts: TickOptions): Promise<TargetResult> {
  const dir = targetDir(opts.dataDir, t.name);
  const problems: string[] = [];
  const say = (msg: string) => problems.push(`target ${t.name}: ${msg}`);
  try {
    ensureDir(dir);
    const state = loadState(dir);
    const hasFinder = t.pid !== undefined || t.process !== undefined || t.pidfile !== undefined;
    const found = hasFinder ? findProcess(t) : null;
    const proc = found && 'pid' in found ? await sampleProcess(found.pid) : null;
    const id = identify(state, t, found, proc);
    // Sample time: after the process read, before the (slower) profile fetch.
    const ts = (opts.nowSeconds ?? (() => Date.now() / 1000))();
    const { outcome, body } = id.kind === 'failed' ? { outcome: null, body: null } : await fetchProfile(t, opts.config, opts.env);
    const plan = planTick(state, t, ts, id, outcome, historySize(dir));

    // Dictionary before history before row: a reader never meets an id it cannot resolve.
    if (plan.newStacks.length) plan.state.stacksBytes = appendStacks(dir, plan.newStacks);
    if (plan.historyLine) plan.state.historyBytes = appendHistory(dir, plan.historyLine);
    const samples = prepareSamplesFile(dir, ts);
    if (samples.movedAside) say(`samples.csv had another layout; moved it to ${samples.movedAside}`);
    appendLines(samples.path, formatSampleRow(plan.row), SAMPLES_HEADER);
    saveState(dir, plan.state);
    if (body && outcome?.ok) {
      try {
        saveSnapshot(dir, body, ts, plan.row.pid, opts.config.retentionDays);
      } catch (e) {
        say(`could not save the snapshot (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
    }
    if (plan.row.status !== 'ok') say(`${plan.row.status}: ${plan.row.message}`);
    return { target: t.name, row: plan.row, problems };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const fix =
      err.code === 'ENOSPC' ? 'the disk is full: free space; nothing already recorded was lost'
        : err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'EROFS' ? `cannot write under ${dir}: fix its permissions or pass --data`
          : 'nothing already recorded was lost';
    say(`could not record this tick (${err.code ?? err.message}): ${fix}`);
    return { target: t.name, row: null, problems };
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
  ensureDir(opts.dataDir);
  return mapBounded(opts.config.targets, opts.config.concurrency, (t) => recordTarget(t, opts));
}

export function logPath(dataDir: string): string {
  return join(dataDir, 'record.log');
}
