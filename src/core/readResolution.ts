// How finely report and check read a long window: memory and time follow the points read (ticks × stacks), so a
// window longer than READ_POINTS_BUDGET points is read thinned to one point per bucket of a fixed step, the same
// step for samples and stack history, the last point of each bucket of a process lifetime (plus each lifetime's
// first), so restarts, the latest values and the shape of slow growth survive. Pure.
//
// Why this is safe for the verdict: trend tests already reduce a series of more than MAX_EXACT_POINTS (360) points
// to bucket medians (analysis/trend.ts), the daily-cycle tests work on hourly medians (analysis/seasonal.ts), and
// history older than a month is stored hourly anyway (core/historyCompaction.ts). What a thinned read loses:
// spikes shorter than the step (the page says the step; `leakwatch export` has every row).

/**
 * Points (rows or ticks of one target) read at full resolution at most: 15,000 is 10.4 days at one a minute, so
 * the cases the evaluation proves (8-day weeks with their context, EVAL.md) are read whole, while a year (525,600
 * points) is read hourly: 8,760. At 5,000 distinct stacks a point costs ~40 KB of counts, so this bounds the
 * history a report holds to ~0.6 GB whatever was recorded.
 */
export const READ_POINTS_BUDGET = 15_000;

/** The steps a thinned read may use, in seconds: round numbers, so buckets line up with clock minutes and hours. */
export const THINNING_STEPS_SECONDS = [120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400] as const;

/**
 * The thinning step for a window of `spanSeconds` recorded every `intervalSeconds` (the recording's own spacing):
 * 0 (read everything) when it holds at most `budget` points, else the smallest step that brings it under the
 * budget (the largest step when none does: a day, for windows of over 41 years).
 */
export function thinningStepSeconds(spanSeconds: number, intervalSeconds: number, budget = READ_POINTS_BUDGET): number {
  if (!(spanSeconds > 0) || !(intervalSeconds > 0)) return 0;
  if (spanSeconds / intervalSeconds <= budget) return 0;
  for (const step of THINNING_STEPS_SECONDS) if (step > intervalSeconds && spanSeconds / step <= budget) return step;
  return THINNING_STEPS_SECONDS[THINNING_STEPS_SECONDS.length - 1];
}

/**
 * Keeps the first item of each run of one lifetime key and the last item of each `stepSeconds` bucket within a run;
 * passes the rest over. Items arrive in file order; an item whose time goes back (a stepped clock) starts a new
 * bucket, so nothing is ever reordered. Call flush() after the last item, and before an item that bypasses the
 * thinner (so order is kept).
 */
export class BucketThinner<T> {
  private pending: T | undefined = undefined;
  private holding = false;
  private bucket = NaN;
  private key: string | null = null;
  /** Items passed over. */
  dropped = 0;

  constructor(
    private readonly stepSeconds: number,
    private readonly emit: (item: T) => void,
  ) {}

  add(item: T, tsSeconds: number, key: string): void {
    const bucket = Math.floor(tsSeconds / this.stepSeconds);
    if (key !== this.key) {
      this.flush();
      this.key = key;
      this.bucket = bucket;
      this.emit(item);
      return;
    }
    if (bucket !== this.bucket) {
      this.flush();
      this.bucket = bucket;
    }
    if (this.holding) this.dropped++;
    this.pending = item;
    this.holding = true;
  }

  /** Whether an item at this time and key would take the place of the one held (a caller may skip building it). */
  replacesHeld(tsSeconds: number, key: string): boolean {
    return this.holding && key === this.key && Math.floor(tsSeconds / this.stepSeconds) === this.bucket;
  }

  flush(): void {
    if (!this.holding) return;
    const p = this.pending as T;
    this.pending = undefined;
    this.holding = false;
    this.emit(p);
  }

  /** Forget the run (after damage, or an item that bypassed the thinner): the next item starts a new one. */
  reset(): void {
    this.flush();
    this.key = null;
  }
}
