// leakwatch.config.json: parsed and validated here, purely. Errors name the key path and what was expected,
// because a config typo found by cron at 3 a.m. should read like a fix, not a stack trace.

export interface TargetConfig {
  name: string;
  pid?: number;
  process?: string;
  pidfile?: string;
  /** Base URL of the net/http/pprof handler, no trailing slash, e.g. http://127.0.0.1:6060/debug/pprof */
  pprof?: string;
  /** Extra request headers; values may hold ${VAR}, expanded from the environment at record time only. */
  headers?: Record<string, string>;
  timeoutSeconds?: number;
  /** Functions to ignore as suspects (goleak style; a trailing * matches a prefix). */
  ignore?: string[];
  /** Basic auth; both values may hold ${VAR} from the environment. */
  basicAuth?: { user: string; password: string };
  /** PEM file with the CA that signed an https endpoint's certificate. */
  caFile?: string;
  /** Record the Go heap in use from <pprof>/heap (default true), at most every heapProfileMinutes. */
  heap?: boolean;
  /** Fetch <pprof>/heap at most this often, in minutes (default: 5 for one-shot cron runs, every tick in loop mode). */
  heapProfileMinutes?: number;
  /** expvar URL for memstats; default <origin>/debug/vars when pprof ends in /debug/pprof; false turns it off. */
  vars?: string | false;
  /** Fetch /debug/pprof/goroutineleak (it runs a GC) at most this often, in minutes (default 10). */
  leakProfileMinutes?: number;
  /** debug=2 dumps stop the world: only below maxGoroutines, at most every everyMinutes (default 5000 / 30); false = never. */
  debug2?: { maxGoroutines: number; everyMinutes: number } | false;
  /** Closed samples and history segments whose last line is older than this many days are deleted (default 366). */
  dataRetentionDays?: number;
  /** Closed history segments older than this many days are compacted to one line per hour (default 31). */
  fullResolutionDays?: number;
}

export const TARGET_DEFAULTS = {
  leakProfileMinutes: 10,
  /**
   * Heap every 5 minutes in one-shot (cron) runs, not every tick: fetching and decoding it was ~15-20 ms of a
   * ~200 ms cron tick (issue 10), and a heap that grows for hours is as clear at 12 points an hour as at 60.
   * Loop mode (`--every`) fetches it every tick unless the target sets heapProfileMinutes.
   */
  heapProfileMinutes: 5,
  debug2: { maxGoroutines: 5000, everyMinutes: 30 },
  /** A year and a day: a leak that started last spring can still be compared with this spring. */
  dataRetentionDays: 366,
  /**
   * A month of every tick, then hourly (last/min/max per stack): a leak is found at full resolution within days,
   * and an hour is fine-grained enough to date one months later at a small fraction of the bytes.
   */
  fullResolutionDays: 31,
} as const;

/** The expvar URL for a target, or null. */
export function varsUrl(t: TargetConfig): string | null {
  if (t.vars === false) return null;
  if (typeof t.vars === 'string') return t.vars;
  if (t.pprof && /\/debug\/pprof$/.test(t.pprof)) return t.pprof.replace(/\/debug\/pprof$/, '/debug/vars');
  return null;
}

export interface Config {
  targets: TargetConfig[];
  /** Snapshots older than this are pruned (CSV rows and stack history are kept). */
  retentionDays: number;
  /** Per-request timeout for pprof fetches unless a target sets its own. */
  timeoutSeconds: number;
  /** Cap on one fetched profile body (compressed) and on its decompressed size ×8. */
  maxProfileBytes: number;
  /** How many targets are sampled at once. */
  concurrency: number;
  ignore: string[];
}

export const DEFAULTS = {
  retentionDays: 14,
  timeoutSeconds: 10,
  maxProfileBytes: 32 * 1024 * 1024,
  concurrency: 8,
} as const;

/** Target names become folder names and CSV cells: keep them to a safe alphabet that cannot start a formula. */
export const TARGET_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const TARGET_KEYS = ['name', 'pid', 'process', 'pidfile', 'pprof', 'headers', 'timeoutSeconds', 'ignore', 'heap', 'vars', 'leakProfileMinutes', 'heapProfileMinutes', 'debug2', 'basicAuth', 'caFile', 'dataRetentionDays', 'fullResolutionDays'];
const TOP_KEYS = ['targets', 'retentionDays', 'timeoutSeconds', 'maxProfileBytes', 'concurrency', 'ignore'];

export class ConfigError extends Error {}

function fail(path: string, what: string): never {
  throw new ConfigError(`${path}: ${what}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function positiveNumber(v: unknown, path: string, integer = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    fail(path, `expected a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/**
 * The longest timeoutSeconds. A tick holds the data folder's lock while it waits for an answer, so a longer wait
 * skips ten cron minutes and more; and Node's timers overflow past 2^31 - 1 ms (~24.8 days): such a timeout fired at
 * once, and the row said "raise timeoutSeconds".
 */
export const MAX_TIMEOUT_SECONDS = 600;

function timeoutSeconds(v: unknown, path: string): number {
  const s = positiveNumber(v, path);
  if (s > MAX_TIMEOUT_SECONDS) fail(path, `at most ${MAX_TIMEOUT_SECONDS} seconds (a tick holds the lock while it waits), got ${JSON.stringify(v)}`);
  return s;
}

function stringList(v: unknown, path: string): string[] {
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string' || s === '')) {
    fail(path, 'expected a list of function names, e.g. ["main.worker", "github.com/x/y.*"]');
  }
  return v as string[];
}

/** Validates and normalises a pprof base URL: http or https only, no trailing slash, no query. */
export function normalisePprofUrl(v: unknown, path: string): string {
  if (typeof v !== 'string' || v === '') fail(path, 'expected a URL like http://127.0.0.1:6060/debug/pprof');
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    // The value is not echoed: it may hold a password (http://user:pw@host:99999 fails right here).
    fail(path, 'not a valid URL; expected e.g. http://127.0.0.1:6060/debug/pprof');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    fail(path, `only http and https URLs are allowed, got ${url.protocol}`);
  }
  if (url.username || url.password) {
    fail(path, 'do not put credentials in the URL (they would end up in logs); use "headers" with ${VAR}');
  }
  if (url.search || url.hash) fail(path, 'give the base URL of the pprof handler without ?query or #fragment');
  return url.toString().replace(/\/+$/, '');
}

export function validateTarget(raw: unknown, path: string): TargetConfig {
  if (!isObject(raw)) fail(path, 'expected an object like {"name": "api", "process": "api-server"}');
  for (const key of Object.keys(raw)) {
    if (!TARGET_KEYS.includes(key)) fail(`${path}.${key}`, `unknown key; expected one of ${TARGET_KEYS.join(', ')}`);
  }
  const name = raw.name;
  if (typeof name !== 'string' || !TARGET_NAME_RE.test(name)) {
    fail(`${path}.name`, `expected 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit, got ${JSON.stringify(name)}`);
  }
  const t: TargetConfig = { name };
  const finders = ['pid', 'process', 'pidfile'].filter((k) => raw[k] !== undefined);
  if (finders.length > 1) fail(path, `give only one of pid, process, pidfile (got ${finders.join(' and ')})`);
  if (raw.pid !== undefined) t.pid = positiveNumber(raw.pid, `${path}.pid`, true);
  if (raw.process !== undefined) {
    if (typeof raw.process !== 'string' || raw.process === '' || raw.process.includes('/')) {
      fail(`${path}.process`, 'expected a command name as ps/pidstat show it, e.g. "api-server"');
    }
    t.process = raw.process;
  }
  if (raw.pidfile !== undefined) {
    if (typeof raw.pidfile !== 'string' || raw.pidfile === '') fail(`${path}.pidfile`, 'expected a file path');
    t.pidfile = raw.pidfile;
  }
  if (raw.pprof !== undefined) t.pprof = normalisePprofUrl(raw.pprof, `${path}.pprof`);
  if (finders.length === 0 && t.pprof === undefined) {
    fail(path, 'a target needs one of pid, process, pidfile, or at least a pprof URL');
  }
  if (raw.headers !== undefined) {
    if (!isObject(raw.headers)) fail(`${path}.headers`, 'expected an object of header names to values');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw.headers)) {
      if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(k)) fail(`${path}.headers`, `"${k}" is not a valid header name`);
      if (typeof v !== 'string') fail(`${path}.headers.${k}`, 'expected a one-line string');
      const problem = headerValueProblem(v);
      if (problem) fail(`${path}.headers.${k}`, `the value ${problem}`);
      headers[k] = v;
    }
    t.headers = headers;
  }
  if (raw.timeoutSeconds !== undefined) t.timeoutSeconds = timeoutSeconds(raw.timeoutSeconds, `${path}.timeoutSeconds`);
  if (raw.ignore !== undefined) t.ignore = stringList(raw.ignore, `${path}.ignore`);
  if (raw.basicAuth !== undefined) {
    const b = raw.basicAuth;
    if (!isObject(b) || typeof b.user !== 'string' || typeof b.password !== 'string' || Object.keys(b).length !== 2) {
      fail(`${path}.basicAuth`, 'expected {"user": "${PPROF_USER}", "password": "${PPROF_PASSWORD}"}');
    }
    if (!/\$\{/.test(b.password)) {
      fail(`${path}.basicAuth.password`, 'put the password in an environment variable and write "${VAR}": config files get copied and pasted');
    }
    t.basicAuth = { user: b.user, password: b.password };
  }
  if (raw.caFile !== undefined) {
    if (typeof raw.caFile !== 'string' || raw.caFile === '') fail(`${path}.caFile`, 'expected the path of a PEM file');
    t.caFile = raw.caFile;
  }
  if (raw.heap !== undefined) {
    if (typeof raw.heap !== 'boolean') fail(`${path}.heap`, 'expected true or false');
    t.heap = raw.heap;
  }
  if (raw.vars !== undefined) t.vars = raw.vars === false ? false : normalisePprofUrl(raw.vars, `${path}.vars`);
  if (raw.leakProfileMinutes !== undefined) t.leakProfileMinutes = positiveNumber(raw.leakProfileMinutes, `${path}.leakProfileMinutes`);
  if (raw.heapProfileMinutes !== undefined) t.heapProfileMinutes = positiveNumber(raw.heapProfileMinutes, `${path}.heapProfileMinutes`);
  if (raw.debug2 !== undefined) {
    if (raw.debug2 === false) t.debug2 = false;
    else if (!isObject(raw.debug2)) fail(`${path}.debug2`, 'expected false or {"maxGoroutines": 5000, "everyMinutes": 30}');
    else {
      for (const k of Object.keys(raw.debug2)) {
        if (k !== 'maxGoroutines' && k !== 'everyMinutes') fail(`${path}.debug2.${k}`, 'unknown key; expected maxGoroutines, everyMinutes');
      }
      t.debug2 = {
        maxGoroutines: raw.debug2.maxGoroutines === undefined ? TARGET_DEFAULTS.debug2.maxGoroutines : positiveNumber(raw.debug2.maxGoroutines, `${path}.debug2.maxGoroutines`, true),
        everyMinutes: raw.debug2.everyMinutes === undefined ? TARGET_DEFAULTS.debug2.everyMinutes : positiveNumber(raw.debug2.everyMinutes, `${path}.debug2.everyMinutes`),
      };
    }
  }
  for (const k of ['dataRetentionDays', 'fullResolutionDays'] as const) {
    if (raw[k] !== undefined) t[k] = positiveNumber(raw[k], `${path}.${k}`);
  }
  return t;
}

/** Validates a parsed config file. `source` names the file in messages. */
export function validateConfig(raw: unknown, source = 'config'): Config {
  if (!isObject(raw)) fail(source, 'expected a JSON object like {"targets": [...]}');
  for (const key of Object.keys(raw)) {
    if (!TOP_KEYS.includes(key)) fail(`${source}: ${key}`, `unknown key; expected one of ${TOP_KEYS.join(', ')}`);
  }
  if (!Array.isArray(raw.targets) || raw.targets.length === 0) {
    fail(`${source}: targets`, 'expected a non-empty list of targets');
  }
  const targets = raw.targets.map((t, i) => validateTarget(t, `${source}: targets[${i}]`));
  const seen = new Set<string>();
  for (const t of targets) {
    if (seen.has(t.name)) fail(`${source}: targets`, `the name "${t.name}" is used twice; names must be unique`);
    seen.add(t.name);
  }
  return {
    targets,
    retentionDays: raw.retentionDays === undefined ? DEFAULTS.retentionDays : positiveNumber(raw.retentionDays, `${source}: retentionDays`),
    timeoutSeconds: raw.timeoutSeconds === undefined ? DEFAULTS.timeoutSeconds : timeoutSeconds(raw.timeoutSeconds, `${source}: timeoutSeconds`),
    maxProfileBytes: raw.maxProfileBytes === undefined ? DEFAULTS.maxProfileBytes : positiveNumber(raw.maxProfileBytes, `${source}: maxProfileBytes`, true),
    concurrency: raw.concurrency === undefined ? DEFAULTS.concurrency : positiveNumber(raw.concurrency, `${source}: concurrency`, true),
    ignore: raw.ignore === undefined ? [] : stringList(raw.ignore, `${source}: ignore`),
  };
}

/** Parses the text of a config file, turning JSON syntax errors into a one-line message. */
export function parseConfigText(text: string, source: string): Config {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${source}: not valid JSON (${(e as Error).message})`);
  }
  return validateConfig(raw, source);
}

/**
 * What makes a header value unsendable, or null. HTTP field values are one line of bytes: Node refuses
 * CR/LF (header injection) and anything above U+00FF (ERR_INVALID_CHAR, after the request was built);
 * other controls (C0 but tab, DEL, C1) are refused too, as no real token holds them. Never quotes the value.
 */
export function headerValueProblem(value: string): string | null {
  if (/[\r\n]/.test(value)) return 'holds a line break (CR or LF): header values are one line';
  if (/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(value)) return 'holds a control character: remove it';
  if (/[^\u0000-\u00ff]/.test(value)) return 'holds a character outside Latin-1: header values are bytes; percent- or base64-encode it';
  return null;
}

/**
 * Expands ${VAR} in header values from `env`. Returns the headers, or an error naming the missing variable,
 * or the variable whose value cannot be sent in a header (`checkValues`; basic auth is base64-encoded, so
 * any text goes there). Secrets stay in memory only: callers must never log the expanded values.
 */
export function expandHeaders(
  headers: Record<string, string> | undefined,
  env: Record<string, string | undefined>,
  checkValues = true,
): { headers: Record<string, string> } | { error: string } {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    let missing: string | null = null;
    let bad: string | null = null;
    out[k] = v.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const value = env[name];
      if (value === undefined || value === '') missing ??= name;
      else if (checkValues && !bad) {
        const problem = headerValueProblem(value);
        if (problem) bad = `header ${k}: the value of \${${name}} ${problem} (value not shown); fix the variable`;
      }
      return value ?? '';
    });
    if (missing) {
      return { error: `header ${k} uses \${${missing}}, which is not set; export it (cron: put it in the crontab line's environment)` };
    }
    if (bad) return { error: bad };
  }
  return { headers: out };
}
