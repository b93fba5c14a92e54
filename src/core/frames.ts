// Reading Go goroutine stacks: which frames are the Go runtime / standard library, which frame is
// "the code that blocks", what a goroutine is blocked on, and which stacks are runtime noise.
//
// Frame names were checked against real Go 1.26.8 (linux/amd64) goroutine profiles: throwaway
// programs that block in every way below wrote `pprof.Lookup("goroutine").WriteTo(w, 0)` (the proto
// format leakwatch records, which, unlike debug=1 text, keeps the runtime frames), decoded with
// pprof-format. The leaf-first frame lists seen are quoted next to each rule and pasted into
// test/analysisFrames.test.ts.

import { NO_FRAMES_NAME, type BlockingKind, type Frame } from './model.js';

/**
 * First import-path elements of the Go standard library (`ls $(go env GOROOT)/src` for Go 1.26, minus
 * `cmd`, `testdata` and scripts; `vendor` holds std's vendored golang.org/x packages, whose functions
 * appear as `vendor/golang.org/x/...`). Go's own rule is "first element has no dot", but local modules
 * may have dotless paths too (the demo service is `leakwatch/demo-service`), so a dotless first element
 * counts as stdlib only when it is one of these.
 */
export const STDLIB_ROOTS: ReadonlySet<string> = new Set([
  'archive', 'arena', 'bufio', 'builtin', 'bytes', 'cmp', 'compress', 'container', 'context', 'crypto',
  'database', 'debug', 'embed', 'encoding', 'errors', 'expvar', 'flag', 'fmt', 'go', 'hash', 'html',
  'image', 'index', 'internal', 'io', 'iter', 'log', 'maps', 'math', 'mime', 'net', 'os', 'path',
  'plugin', 'reflect', 'regexp', 'runtime', 'simd', 'slices', 'sort', 'strconv', 'strings', 'structs',
  'sync', 'syscall', 'testing', 'text', 'time', 'unicode', 'unique', 'unsafe', 'vendor', 'weak',
]);

/** Import path and package name of a Go function name (`net/http.(*conn).serve` -> `net/http`, `http`). */
export function splitFunctionName(fn: string): { importPath: string; pkg: string } {
  // Generic instantiations carry type arguments in brackets (`runtime.callCleanup[go.shape.int]`, seen
  // in Go 1.26 profiles); those may contain dots and slashes of other packages, so drop them first.
  const bracket = fn.indexOf('[');
  const name = bracket >= 0 ? fn.slice(0, bracket) : fn;
  const slash = name.lastIndexOf('/');
  const rest = name.slice(slash + 1);
  const dot = rest.indexOf('.');
  const pkg = dot >= 0 ? rest.slice(0, dot) : rest;
  const importPath = slash >= 0 ? `${name.slice(0, slash)}/${pkg}` : pkg;
  return { importPath, pkg };
}

/**
 * True for functions of the Go runtime and standard library: the import path's first element has no dot,
 * is not `main`, and is a standard-library root (see STDLIB_ROOTS). `main.*`, `github.com/...` and
 * `leakwatch/demo-service/x.F` are user code.
 */
export function isRuntimeOrStdlib(fn: string): boolean {
  if (!fn) return false;
  const { importPath } = splitFunctionName(fn);
  const first = importPath.split('/')[0] ?? '';
  if (first === '' || first === 'main' || first.includes('.')) return false;
  return STDLIB_ROOTS.has(first);
}

/** Package `runtime` itself or any `internal/...` package (incl. `internal/runtime/...`, `runtime/internal/...`). */
function isRuntimeOrInternal(fn: string): boolean {
  const { importPath } = splitFunctionName(fn);
  return (
    importPath === 'runtime' ||
    importPath.startsWith('runtime/internal/') ||
    importPath === 'internal' ||
    importPath.startsWith('internal/') ||
    importPath.includes('/internal/') // e.g. vendor/golang.org/x/net/internal/...
  );
}

/**
 * The frame that "blocks": the innermost frame outside runtime/stdlib (`main.leakUnbufferedSend`, not
 * `runtime.gopark`). When every frame is stdlib (e.g. net/http's accept loop), the innermost frame that
 * is neither package `runtime` nor `internal/*` (`net.(*netFD).accept`). Null for an empty stack.
 */
export function leafFrame(frames: Frame[]): Frame | null {
  if (frames.length === 0) return null;
  const user = frames.find((f) => !isRuntimeOrStdlib(f.function));
  if (user) return user;
  const std = frames.find((f) => !isRuntimeOrInternal(f.function));
  return std ?? frames[0]!;
}

/** Name of leafFrame(); NO_FRAMES_NAME for an empty stack (a goroutine created but not yet started): the page says the same. */
export function leafFunction(frames: Frame[]): string {
  return leafFrame(frames)?.function ?? NO_FRAMES_NAME;
}

/**
 * Leaf functions that mean "parked by the scheduler" rather than "on CPU / runnable". Seen as leaf frames
 * in Go 1.26 profiles: `runtime.gopark` (every chan/select/sema/sleep/netpoll wait) and
 * `runtime.notetsleepg` (os/signal.signal_recv); `goparkunlock`, `park_m`, `mcall` are the same machinery
 * on other versions / paths.
 */
export const PARKING_FUNCTIONS: ReadonlySet<string> = new Set([
  'runtime.gopark',
  'runtime.goparkunlock',
  'runtime.notetsleepg',
  'runtime.park_m',
  'runtime.mcall',
]);

/**
 * Per-frame rules, tried from the leaf outwards over the runtime/stdlib frames below the first user
 * frame; the first frame that matches decides. Go 1.26 stacks (leaf first) these come from:
 *  - chan send:    runtime.gopark <- runtime.chansend <- runtime.chansend1 <- main.blockSend
 *  - chan receive: runtime.gopark <- runtime.chanrecv <- runtime.chanrecv1 | runtime.chanrecv2 <- main...
 *                  (a nil channel also parks in runtime.chanrecv)
 *  - select:       runtime.gopark <- runtime.selectgo <- main.blockSelect
 *  - select {}:    runtime.gopark <- runtime.block <- main.blockSelectNoCases
 *  - mutex:        runtime.gopark <- runtime.goparkunlock <- runtime.semacquire1 <-
 *                  internal/sync.runtime_SemacquireMutex <- internal/sync.(*Mutex).lockSlow <-
 *                  internal/sync.(*Mutex).Lock <- sync.(*Mutex).Lock <- main.blockMutex
 *                  (Go <= 1.23: sync.runtime_SemacquireMutex <- sync.(*Mutex).lockSlow <- sync.(*Mutex).Lock)
 *  - waitgroup:    ... runtime.semacquire1 <- sync.runtime_SemacquireWaitGroup <- sync.(*WaitGroup).Wait
 *                  (older Go: sync.runtime_Semacquire <- sync.(*WaitGroup).Wait, caught by the Wait rule)
 *  - cond:         runtime.gopark <- runtime.goparkunlock <- sync.runtime_notifyListWait <- sync.(*Cond).Wait
 *  - sleep:        runtime.gopark <- time.Sleep <- main.blockSleep
 *  - io:           runtime.gopark <- runtime.netpollblock <- internal/poll.runtime_pollWait <-
 *                  internal/poll.(*pollDesc).wait <- ... internal/poll.(*FD).Read | (*FD).Accept <- net...
 *  - syscall:      syscall.Syscall6 <- internal/syscall/unix.Waitid <- os.(*Process).pidfdWait.func1 <- ...
 * RWMutex is decided before this scan (see blockingKind), because its write lock goes through
 * sync.(*Mutex).Lock first: ... <- sync.(*Mutex).Lock <- sync.(*RWMutex).Lock; RLock parks in
 * sync.runtime_SemacquireRWMutexR <- sync.(*RWMutex).RLock.
 */
const FRAME_RULES: Array<{ kind: BlockingKind; test: (fn: string) => boolean }> = [
  { kind: 'chan send', test: (fn) => fn === 'runtime.chansend' || fn === 'runtime.chansend1' },
  {
    kind: 'chan receive',
    test: (fn) => fn === 'runtime.chanrecv' || fn === 'runtime.chanrecv1' || fn === 'runtime.chanrecv2',
  },
  { kind: 'select', test: (fn) => fn === 'runtime.selectgo' },
  { kind: 'select (no cases)', test: (fn) => fn === 'runtime.block' },
  {
    kind: 'waitgroup',
    test: (fn) => fn === 'sync.runtime_SemacquireWaitGroup' || fn === 'sync.(*WaitGroup).Wait',
  },
  { kind: 'cond', test: (fn) => fn === 'sync.runtime_notifyListWait' || fn === 'sync.(*Cond).Wait' },
  {
    kind: 'mutex',
    test: (fn) =>
      fn === 'sync.runtime_SemacquireMutex' ||
      fn === 'internal/sync.runtime_SemacquireMutex' ||
      fn === 'internal/sync.(*Mutex).lockSlow' ||
      fn === 'internal/sync.(*Mutex).Lock' ||
      fn === 'sync.(*Mutex).lockSlow' ||
      fn === 'sync.(*Mutex).Lock',
  },
  { kind: 'sleep', test: (fn) => fn === 'time.Sleep' },
  {
    kind: 'io',
    test: (fn) =>
      fn === 'runtime.netpollblock' ||
      fn === 'internal/poll.runtime_pollWait' ||
      fn.startsWith('internal/poll.(*FD).') ||
      /^net\.\(\*\w+\)\.(Read|ReadFrom|ReadMsgUDP|Accept|accept)/.test(fn),
  },
  {
    kind: 'syscall',
    test: (fn) =>
      fn.startsWith('syscall.') ||
      fn.startsWith('internal/syscall/') ||
      fn.startsWith('internal/runtime/syscall.') ||
      fn.startsWith('runtime/internal/syscall.'),
  },
];

function isRwMutexFrame(fn: string): boolean {
  return fn.startsWith('sync.(*RWMutex).') || fn.startsWith('sync.runtime_SemacquireRWMutex');
}

/** What a goroutine on this stack waits for, from its innermost (runtime/stdlib) frames. */
export function blockingKind(frames: Frame[]): BlockingKind {
  if (frames.length === 0) return 'other';
  const firstUser = frames.findIndex((f) => !isRuntimeOrStdlib(f.function));
  const inner = firstUser >= 0 ? frames.slice(0, firstUser) : frames;
  if (inner.some((f) => isRwMutexFrame(f.function))) return 'rwmutex';
  for (const f of inner) {
    for (const rule of FRAME_RULES) if (rule.test(f.function)) return rule.kind;
  }
  // golang.org/x/sys is user code by the import-path rule, but a raw syscall all the same.
  if (frames[0]!.function.startsWith('golang.org/x/sys/unix.Syscall')) return 'syscall';
  // Not parked: on CPU or runnable (a busy loop shows e.g. runtime.asyncPreempt2 <- runtime.asyncPreempt <-
  // main.spin, or just main.spin).
  if (!PARKING_FUNCTIONS.has(frames[0]!.function)) return 'running';
  return 'other';
}

/**
 * goleak-style ignore list: a stack is ignored if any frame's function equals an entry, or an entry ends
 * with `*` and is a prefix of a frame's function (`github.com/foo/bar.*`).
 */
export function matchesIgnore(frames: Frame[], ignore: string[]): boolean {
  const entries = ignore.map((s) => s.trim()).filter((s) => s.length > 0);
  if (entries.length === 0) return false;
  return frames.some((f) =>
    entries.some((e) => (e.endsWith('*') ? f.function.startsWith(e.slice(0, -1)) : f.function === e)),
  );
}

/**
 * Goroutines the runtime and standard library keep for themselves. Recent Go hides most system goroutines
 * from the goroutine profile, but older versions, GOTRACEBACK settings and finalizer/cleanup goroutines
 * still show some. Go 1.26 shows e.g. `runtime.notetsleepg <- os/signal.signal_recv <- os/signal.loop`
 * once signal.Notify is used.
 */
export const BENIGN_RUNTIME_FUNCTIONS: ReadonlySet<string> = new Set([
  'runtime.forcegchelper',
  'runtime.bgsweep',
  'runtime.bgscavenge',
  'runtime.runfinq',
  'runtime.runFinalizers',
  'runtime.runCleanups',
  'runtime.gcBgMarkWorker',
  'runtime.timerproc',
  'runtime.ensureSigM.func1',
  'runtime.ensureSigM',
  'os/signal.signal_recv',
  'os/signal.loop',
]);

/**
 * The goroutine that is writing the very profile being recorded (served by net/http/pprof or a custom
 * handler): Go 1.26 shows runtime.goroutineProfileWithLabels <- runtime.pprof_goroutineProfileWithLabels
 * <- runtime/pprof.writeRuntimeProfile <- runtime/pprof.writeGoroutine <- runtime/pprof.(*Profile).WriteTo
 * <- net/http/pprof.handler.ServeHTTP <- ... net/http.(*conn).serve.
 */
export const PROFILER_FUNCTIONS: ReadonlySet<string> = new Set([
  'runtime.goroutineProfileWithLabels',
  'runtime.pprof_goroutineProfileWithLabels',
  'runtime/pprof.writeRuntimeProfile',
  'runtime/pprof.writeGoroutine',
]);

/**
 * True for stacks that are pure runtime internals and are never suspects: empty stacks (a goroutine
 * created but not yet run, which Go 1.26 reports with no frames besides the dropped runtime.goexit), the
 * profiler goroutine itself (even under a user router), and all-stdlib stacks rooted in a runtime
 * service goroutine (GC helpers, finalizers, signal loop).
 */
export function isBenignRuntime(frames: Frame[]): boolean {
  if (frames.length === 0) return true;
  if (frames.some((f) => PROFILER_FUNCTIONS.has(f.function))) return true;
  if (!frames.every((f) => isRuntimeOrStdlib(f.function))) return false;
  return frames.some((f) => BENIGN_RUNTIME_FUNCTIONS.has(f.function));
}
