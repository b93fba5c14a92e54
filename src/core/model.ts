// The one data model every stage shares: the recorder writes it, the storage layer reads it back,
// the analysis turns it into a Summary, and the renderers draw a Summary. Pure types only.

/** One frame of a goroutine stack. Stacks are stored leaf first (frames[0] is where it blocks). */
export interface Frame {
  function: string;
  file: string;
  line: number;
}

/** One distinct stack (frames + pprof labels) seen in a goroutine profile, with how many goroutines sit on it. */
export interface StackCount {
  /** Stable identity: frames and sorted labels joined; see stackKey(). */
  key: string;
  frames: Frame[];
  labels: Record<string, string>;
  count: number;
  /** stackHash(key), when the decoder computed it on the way (cheaper than hashing the whole key again). */
  hash?: string;
}

/** A decoded goroutine profile. */
export interface GoroutineProfile {
  /** Sum of all sample values: the number of goroutines when the profile was taken. */
  total: number;
  stacks: StackCount[];
  /** Profile time from the pprof header, unix seconds (0 when absent). */
  timeSeconds: number;
}

/** The status column of samples.csv. Anything but `ok` carries a one-line message. */
export type SampleStatus =
  | 'ok'
  | 'no-process' // the target's process could not be found (exited, pidfile stale, name matches nothing)
  | 'process-ambiguous' // `process` matched several processes
  | 'pid-reused' // the configured pid now belongs to another program
  | 'pprof-unreachable' // connection refused / DNS / reset
  | 'pprof-timeout'
  | 'pprof-http-error' // non-2xx status (401/403 login required, 404, 5xx), a redirect
  | 'pprof-bad-profile' // not gzip, truncated, not a goroutine profile, an HTML page served with 200
  | 'pprof-too-large'
  | 'error'; // anything else (message says what)

/** `start`: first row of a process lifetime leakwatch has not seen before; `restart`: a new lifetime after another. */
export type SampleEvent = '' | 'start' | 'restart';

/**
 * One row of data/<target>/samples.csv. Null means "not measured" (an empty cell), never zero. Each key is one column
 * of core/sampleFields.ts (the compiler checks that every key has one).
 */
export interface SampleRow {
  tsSeconds: number;
  target: string;
  status: SampleStatus;
  pid: number | null;
  /** Process start, unix seconds (from /proc/<pid>/stat starttime and btime): identifies a lifetime. */
  processStartTsSeconds: number | null;
  rssBytes: number | null;
  vszBytes: number | null;
  cpuSecondsTotal: number | null;
  /** CPU over the interval since the previous row of the same lifetime, 100 = one core. Empty on a lifetime's first row. */
  cpuPercent: number | null;
  threads: number | null;
  fds: number | null;
  goroutines: number | null;
  stacksDistinct: number | null;
  event: SampleEvent;
  message: string;
  /** Go heap in use: sum of inuse_space in /debug/pprof/heap (the runtime's sampled estimate, as of the last GC). */
  heapInuseBytes?: number | null;
  /** From expvar's /debug/vars memstats, when the service serves it. */
  memstatsHeapInuseBytes?: number | null;
  memstatsStackInuseBytes?: number | null;
  memstatsSysBytes?: number | null;
  memstatsNumGc?: number | null;
  /** Goroutines the runtime proved leaked (/debug/pprof/goroutineleak), on the ticks it was fetched. */
  leakedConfirmed?: number | null;
}

/** A stack as stored in data/<target>/stacks.jsonl: the dictionary the history refers to by id. */
export interface StackRecord {
  id: number;
  key: string;
  frames: Frame[];
  labels: Record<string, string>;
  firstSeenTsSeconds: number;
  /**
   * Label keys whose value is LABEL_PLACEHOLDER (core/tickPlan.ts): they took more than 16 distinct values on these
   * frames, so this stack stands for all of them; the number is the distinct values seen when it was first written.
   */
  collapsedLabels?: Record<string, number>;
  /** stackHash(key), carried from the tick that created the record (not stored in stacks.jsonl). */
  hash?: string;
}

/** One line of data/<target>/stack-history.log after replay: every stack's count at one tick. */
export interface HistoryTick {
  tsSeconds: number;
  /** Process lifetime the tick belongs to: `${pid}@${processStartTsSeconds}`, or `url` for pprof-only targets. */
  lifetime: string;
  total: number;
  /** stack id -> goroutine count; stacks absent from the map have count 0 at this tick. */
  counts: ReadonlyMap<number, number>;
}

export interface SnapshotFile {
  /** Path relative to the data dir, e.g. `api/snapshots/goroutine-20261127T023812Z-pid4242.pb.gz`. */
  path: string;
  /** goroutine (default), goroutineleak, or goroutine-debug2 (gzipped text dump); see core/snapshots.ts. */
  kind?: 'goroutine' | 'goroutineleak' | 'goroutine-debug2';
  tsSeconds: number;
  pid: number | null;
  bytes: number;
}

/** Everything recorded for one target, as read back from disk. */
export interface TargetRecording {
  name: string;
  samples: SampleRow[];
  stacks: StackRecord[];
  ticks: HistoryTick[];
  snapshots: SnapshotFile[];
  /** Problems met while reading (torn lines skipped, older layout), one line each. */
  warnings: string[];
  /**
   * Data files that exist but could not be read at all (not a regular file, permission, no line in them
   * parses), as `<target>/<file>`: the analysis cannot judge the target then (verdict `insufficient-data`,
   * reason `unreadable-file`) rather than give a different verdict.
   */
  unreadableFiles?: string[];
}

// ---- analysis output (also the `report --json` summary; documented in README) ----

/** `insufficient-data` is "cannot judge": too few samples, none usable, an empty or inverted window, unreadable files. */
export type Verdict = 'leak' | 'growing' | 'stable' | 'insufficient-data';

/** Why the verdict is what it is (machine-readable; the headline says it in words). See analysis/verdict.ts. */
export type VerdictReason =
  | 'suspects' // leak: at least one stack or label group of the current lifetime leaks
  | 'runtime-proven' // leak: only stacks the Go runtime proved leaked, and whose count grew
  | 'total-only' // leak: no per-stack history, but the goroutine total rises strongly on its own
  | 'goroutines-unexplained' // growing: the goroutine total only rises, and no stack or label group explains it
  | 'heap-rising' // growing: the Go heap leaks while no goroutine stack does
  | 'rss-rising' // growing: RSS leaks while neither the heap (when measured) nor a stack explains it
  | 'no-growth' // stable
  | 'too-few-samples' // insufficient-data
  | 'no-usable-sample'
  | 'empty-window'
  | 'inverted-window'
  | 'unreadable-file';

export interface SeriesTrend {
  first: number | null;
  last: number | null;
  /** Robust (Theil–Sen) slope in units per hour over the current lifetime; null with too few points. */
  perHour: number | null;
  /** What the shape looks like: see analysis/trend.ts for the tests and thresholds. */
  shape: 'rising' | 'flat' | 'plateau' | 'step' | 'falling' | 'insufficient-data';
}

export type BlockingKind =
  | 'chan send'
  | 'chan receive'
  | 'select'
  | 'select (no cases)'
  | 'mutex'
  | 'rwmutex'
  | 'waitgroup'
  | 'cond'
  | 'sleep'
  | 'io'
  | 'syscall'
  | 'running'
  | 'other';

export interface Suspect {
  stackId: number;
  leafFunction: string;
  frames: Frame[];
  labels: Record<string, string>;
  kind: BlockingKind;
  first: number;
  last: number;
  perHour: number;
  /** 0..1, share of tick-to-tick steps that did not decrease. */
  consistency: number;
  /** 0..1, this stack's share of all goroutines at the last tick. */
  share: number;
  score: number;
  firstSeenTsSeconds: number;
  /**
   * The Go runtime proved these goroutines leaked: this stack (frames + labels, same key) is in the latest
   * /debug/pprof/goroutineleak profile of the current lifetime (Go 1.26+ with GOEXPERIMENT=goroutineleakprofile).
   * False when it is not, or when no leak profile was recorded.
   */
  confirmed: boolean;
  /**
   * Set when the suspect is a label group: stacks with the same frames and label keys whose label values differ
   * (request ids, trace ids). Counts are the group's sum; `stackId`/`labels` are those of its largest member, with
   * each varying key's value shown as `<N values>`.
   */
  group?: SuspectGroup;
  /**
   * Why this stack is a suspect: `floor-rises` (it never gave goroutines back and keeps rising), `known-leaker`
   * (it rose through an earlier lifetime too), `above-daily-range` (it follows load, but now stands above its usual
   * range at this time of day), `daily-floor-rises` (its floor rises day over day), `runtime-proven` (the Go
   * runtime proved it leaked and its count grew).
   */
  evidence?: SuspectEvidence;
  /** Source lines around the blocking frame when the file is readable ("list"). */
  source?: { file: string; line: number; startLine: number; lines: string[] } | null;
  /**
   * From the latest debug=2 dump of the current lifetime (null without one, or when no goroutine of the dump
   * has this stack): the function that started these goroutines (`created by …`), most common first ...
   */
  createdBy?: string | null;
  /** ... and where (file:line of the `go` statement). */
  createdAt?: string | null;
  /** ... the wait reason as Go prints it (`chan send`, `sync.Mutex.Lock`, `sleep`, …), most common first ... */
  waitReason?: string | null;
  /** ... and how long they have been blocked (approximate: Go stamps wait times at GC cycles). */
  blockedMinutes?: BlockedMinutes | null;
}

export type SuspectEvidence = 'floor-rises' | 'known-leaker' | 'above-daily-range' | 'daily-floor-rises' | 'runtime-proven';

export interface SuspectGroup {
  stackIds: number[];
  labelKeys: { key: string; distinctValues: number; examples: string[] }[];
}

/** Wait times of the goroutines on one stack in a debug=2 dump, in whole minutes as Go printed them. */
export interface BlockedMinutes {
  /** A goroutine without printed minutes (under a minute, or not yet stamped by a GC) counts as 0. */
  min: number;
  median: number;
  max: number;
  /** Goroutines of the dump on this stack. */
  goroutines: number;
  /** How many of them had minutes printed. */
  stamped: number;
  /**
   * How many the dump marks `(leaked)`: the runtime's leak detector proved them leaked. Go prints no minutes
   * for those (their status is no longer "waiting"), so they count as 0 here.
   */
  leaked: number;
  /** Bins by lower edge in minutes (0, 1, 5, 15, 60, 240, 1440+); toMinutes null for the open last bin. */
  histogram: Array<{ label: string; fromMinutes: number; toMinutes: number | null; count: number }>;
  /**
   * The dump prints no pprof labels (unless GODEBUG=tracebacklabels=1), so goroutines on the same frames with
   * other labels are counted here too; true when the profile history has such other stacks.
   */
  mergedWithOtherLabels: boolean;
  /** When the dump was taken, unix seconds. */
  dumpTsSeconds: number;
}

/** One stack of the runtime's goroutine leak profile. */
export interface RuntimeLeakStack {
  /** The stack's id in stacks.jsonl (same key), null when the dictionary does not have it. */
  stackId: number | null;
  leafFunction: string;
  kind: BlockingKind;
  frames: Frame[];
  labels: Record<string, string>;
  /** Goroutines the runtime found leaked on this stack. */
  count: number;
  /** Its rank among the suspects (1-based), null when the stack is not a suspect (e.g. it does not grow). */
  suspectRank: number | null;
}

/** The latest /debug/pprof/goroutineleak profile of the current lifetime, decoded. */
export interface RuntimeLeaks {
  tsSeconds: number;
  /** Snapshot path relative to the data dir. */
  path: string;
  /** Goroutines the runtime proved leaked at that time. */
  total: number;
  /** Largest first. */
  stacks: RuntimeLeakStack[];
}

/** How much of the RSS growth (current lifetime) goroutine stacks and the Go heap account for. */
export interface MemoryExplained {
  /** RSS now minus RSS at the start of the window (levels: medians of the first and last tenth, >= 3 points). */
  rssGrowthBytes: number;
  /** Growth of goroutine stack memory: memstats StackInuse when served, else the estimate below; null when neither. */
  stackGrowthBytes: number | null;
  /** `memstats`: StackInuse from /debug/vars; `estimate`: goroutine growth x bytesPerGoroutine (RSS vs goroutines). */
  stackGrowthSource: 'memstats' | 'estimate' | null;
  /** Growth of the Go heap in use (pprof heap inuse_space, else memstats HeapInuse); null when not measured. */
  heapGrowthBytes: number | null;
  /** Growth of the goroutine count over the same window, null when not measured. */
  goroutineGrowth: number | null;
  /**
   * The RSS growth split so the parts add up to it (all 0 when RSS did not grow): the heap's part (its growth, at
   * most the RSS growth), the stacks' part (at most what the heap left), and the rest (cgo, fragmentation, runtime).
   */
  parts?: { heapBytes: number; stackBytes: number; otherBytes: number } | null;
  /** One plain sentence, e.g. "goroutine stacks grew 3.1 MiB of the 6.8 MiB RSS growth". */
  sentence: string;
}

export interface TargetSummary {
  name: string;
  verdict: Verdict;
  verdictReason?: VerdictReason;
  /**
   * How sure the verdict can be: `firm`, or `provisional` when the current lifetime is shorter than a day and some
   * stack rose with load (a daily cycle cannot be told apart from a leak yet). The headline says so in words.
   */
  confidence?: 'firm' | 'provisional';
  /** The view `--since/--until` chose (unix seconds), null when not given. The verdict covers the lifetime up to `until`. */
  window?: { sinceSeconds: number | null; untilSeconds: number | null };
  /** One plain sentence for the verdict card (without the verdict word). */
  headline: string;
  samples: number;
  lifetimes: number;
  goroutines: SeriesTrend;
  rssBytes: SeriesTrend;
  /**
   * Go heap in use over the current lifetime (heap_inuse_bytes, else memstats_heap_inuse_bytes), classified like
   * RSS. A rising heap with flat goroutines is 'growing': a memory leak that is not a goroutine leak.
   */
  heapInuseBytes?: SeriesTrend;
  /** How much of the RSS growth goroutine stacks and the heap explain; null when RSS was not measured. */
  memoryExplained?: MemoryExplained | null;
  /** The runtime's own leak proof (latest goroutineleak profile of the current lifetime); null without one. */
  runtimeLeaks?: RuntimeLeaks | null;
  /** The debug=2 dump the suspects' createdBy / waitReason / blockedMinutes come from; null without one. */
  goroutineDump?: { tsSeconds: number; path: string; goroutines: number; truncated: boolean } | null;
  /** Estimated bytes each extra goroutine costs (RSS vs goroutines), null when it cannot be told. */
  bytesPerGoroutine: number | null;
  suspectsHoldBytes: number | null;
  suspectsHoldBytesInADay: number | null;
  suspects: Suspect[];
  warnings: string[];
}

export interface Summary {
  generatedAt: string;
  targets: TargetSummary[];
}

/**
 * What tables call a stack without frames: Go reports goroutines that were created but have not run yet with
 * no frames at all. Many of them at once is a burst of new goroutines, never a place where code waits.
 */
export const NO_FRAMES_NAME = '(goroutines not started yet: no frames)';
