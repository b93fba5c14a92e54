import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BlockingKind, Frame } from '../src/core/model.js';
import {
  blockingKind,
  isBenignRuntime,
  isRuntimeOrStdlib,
  leafFrame,
  leafFunction,
  matchesIgnore,
  splitFunctionName,
} from '../src/core/frames.js';

// Real stacks, leaf first, from Go 1.26.8 linux/amd64: a throwaway program (/tmp/gostacks/main.go) started
// one goroutine blocked in each way, then wrote pprof.Lookup("goroutine").WriteTo(os.Stdout, 0); the proto
// was decoded with pprof-format (function name, file, line per frame; runtime.goexit is not in the proto).
// A second program served net/http/pprof with signal.Notify on and fetched /debug/pprof/goroutine.
const G = '/usr/local/go/src/';
const M = '/tmp/gostacks/main.go';
function fr(spec: string): Frame[] {
  return spec
    .trim()
    .split('\n')
    .map((l) => {
      const [fn, loc] = l.trim().split(/\s+/) as [string, string];
      const colon = loc.lastIndexOf(':');
      const file = loc.slice(0, colon);
      return { function: fn, file: file.startsWith('/') ? file : G + file, line: Number(loc.slice(colon + 1)) };
    });
}

const STACKS: Record<string, { frames: Frame[]; kind: BlockingKind; leaf: string }> = {
  chanSend: {
    frames: fr(`
      runtime.gopark  runtime/proc.go:462
      runtime.chansend  runtime/chan.go:283
      runtime.chansend1  runtime/chan.go:161
      main.blockSend  ${M}:12`),
    kind: 'chan send',
    leaf: 'main.blockSend',
  },
  chanRecv: {
    frames: fr(`
      runtime.gopark  runtime/proc.go:462
      runtime.chanrecv  runtime/chan.go:667
      runtime.chanrecv1  runtime/chan.go:509
      main.blockRecv  ${M}:13`),
    kind: 'chan receive',
    leaf: 'main.blockRecv',
  },
  chanRecv2: {
    frames: fr(`
      runtime.gopark  runtime/proc.go:462
      runtime.chanrecv  runtime/chan.go:667
      runtime.chanrecv2  runtime/chan.go:514
      main.blockRecv2  ${M}:14`),
    kind: 'chan receive',
    leaf: 'main.blockRecv2',
  },
  nilChanRecv: {
    frames: fr(`
      runtime.gopark  runtime/proc.go:462
      runtime.chanrecv  runtime/chan.go:536
      runtime.chanrecv1  runtime/chan.go:509
      main.blockNilChan  ${M}:25`),
    kind: 'chan receive',
    leaf: 'main.blockNilChan',
  },
  select: {
    frames: fr(`
      runtime.gopark  runtime/proc.go:462
      runtime.selectgo  runtime/select.go:351
      main.blockSelect  ${M}:15`),
    kind: 'select',
    leaf: 'main.blockSelect',
  },
  selectNoCases: {
    frames: fr(`
      runtime.gopark  runtime/proc.go:462
      runtime.block  runtime/select.go:104
      main.blockSelectNoCases  ${M}:16`),
    kind: 'select (no cases)',
    leaf: 'main.blockSelectNoCases',
  },
  mutex: {
    frames: fr(`
      runtime.gopark  runtime/proc.go:462
      runtime.goparkunlock  runtime/proc.go:468
      runtime.semacquire1  runtime/sema.go:192
      internal/sync.runtime_SemacquireMutex  runtime/sema.go:95
      internal/sync.(*Mutex).lockSlow  internal/sync/mutex.go:149
      internal/sync.(*Mutex).Lock  internal/sync/mutex.go:70
      sync.(*Mutex).Lock  sync/mutex.go:46
      main.blockMutex  ${M}:17`),
    kind: 'mutex',
    leaf: 'main.blockMutex',
  },
  onceWaitingOnMutex: {
    frames: fr(`
      runtime.gopark  runtime/proc.go:462
      runtime.goparkunlock  runtime/proc.go:468
      runtime.semacquire1  runtime/sema.go:192
      internal/sync.runtime_SemacquireMutex  runtime/sema.go:95
      internal/sync.(*Mutex).lockSlow  internal/sync/mutex.go:149
      internal/sync.(*Mutex).Lock  internal/sync/mutex.go:70
      sync.(*Mutex).Lock  sync/mutex.go:46
      sync.(*Once).doSlow  sync/once.go:74
      sync.(*Once).Do  sync/once.go:69
      main.blockOnce  ${M}:28`),
    kind: 'mutex',
    leaf: 'main.blockOnce',
  },
  rwWriteLock: {
    frames: fr(`
      runtime.gopark  runtime/proc.go:462
      runtime.goparkunlock  runtime/proc.go:468
      runtime.semacquire1  runtime/sema.go:192
      internal/sync.runtime_SemacquireMutex  runtime/sema.go:95
      internal/sync.(*Mutex).lockSlow  internal/sync/mutex.go:149
      internal/sync.(*Mutex).Lock  internal/sync/mutex.go:70
      sync.(*Mutex).Lock  sync/mutex.go:46
      sync.(*RWMutex).Lock  sync/rwmutex.go:150
      main.blockWLock  ${M}:19`),
    kind: 'rwmutex',
    leaf: 'main.blockWLock',
  },
  rwReadLock: {
    frames: fr(`
      runtime.gopark  runtime/proc.go:462
      runtime.goparkunlock  runtime/proc.go:468
      runtime.semacquire1  runtime/sema.go:192
      sync.runtime_SemacquireRWMutexR  runtime/sema.go:100
      sync.(*RWMutex).RLock  sync/rwmutex.go:74
      main.blockRLock  ${M}:18`),
    kind: 'rwmutex',
    leaf: 'main.blockRLock',
  },
  waitgroup: {
    frames: fr(`
      runtime.gopark  runtime/proc.go:462
      runtime.goparkunlock  runtime/proc.go:468
      runtime.semacquire1  runtime/sema.go:192
      sync.runtime_SemacquireWaitGroup  runtime/sema.go:114
      sync.(*WaitGroup).Wait  sync/waitgroup.go:206
      main.blockWG  ${M}:20`),
    kind: 'waitgroup',
    leaf: 'main.blockWG',
  },
  cond: {
    frames: fr(`
      runtime.gopark  runtime/proc.go:462
      runtime.goparkunlock  runtime/proc.go:468
      sync.runtime_notifyListWait  runtime/sema.go:617
      sync.(*Cond).Wait  sync/cond.go:71
      main.blockCond  ${M}:21`),
    kind: 'cond',
    leaf: 'main.blockCond',
  },
  sleep: {
    frames: fr(`
      runtime.gopark  runtime/proc.go:462
      time.Sleep  runtime/time.go:363
      main.blockSleep  ${M}:22`),
    kind: 'sleep',
    leaf: 'main.blockSleep',
  },
  sleepInOnceClosure: {
    frames: fr(`
      runtime.gopark  runtime/proc.go:462
      time.Sleep  runtime/time.go:363
      main.blockOnce.func1  ${M}:28
      sync.(*Once).doSlow  sync/once.go:78
      sync.(*Once).Do  sync/once.go:69
      main.blockOnce  ${M}:28`),
    kind: 'sleep',
    leaf: 'main.blockOnce.func1',
  },
  netRead: {
    frames: fr(`
      runtime.gopark  runtime/proc.go:462
      runtime.netpollblock  runtime/netpoll.go:575
      internal/poll.runtime_pollWait  runtime/netpoll.go:351
      internal/poll.(*pollDesc).wait  internal/poll/fd_poll_runtime.go:84
      internal/poll.(*pollDesc).waitRead  internal/poll/fd_poll_runtime.go:89
      internal/poll.(*FD).Read  internal/poll/fd_unix.go:165
      net.(*netFD).Read  net/fd_posix.go:68
      net.(*conn).Read  net/net.go:196
      main.blockRead  ${M}:24
      main.main.func1  ${M}:53`),
    kind: 'io',
    leaf: 'main.blockRead',
  },
  // all stdlib: net/http's accept loop (from the pprof-serving program)
  httpAccept: {
    frames: fr(`
      runtime.gopark  runtime/proc.go:462
      runtime.netpollblock  runtime/netpoll.go:575
      internal/poll.runtime_pollWait  runtime/netpoll.go:351
      internal/poll.(*pollDesc).wait  internal/poll/fd_poll_runtime.go:84
      internal/poll.(*pollDesc).waitRead  internal/poll/fd_poll_runtime.go:89
      internal/poll.(*FD).Accept  internal/poll/fd_unix.go:613
      net.(*netFD).accept  net/fd_unix.go:150
      net.(*TCPListener).accept  net/tcpsock_posix.go:159
      net.(*TCPListener).Accept  net/tcpsock.go:387
      net/http.(*Server).Serve  net/http/server.go:3434
      net/http.(*Server).ListenAndServe  net/http/server.go:3360
      net/http.ListenAndServe  net/http/server.go:3675`),
    kind: 'io',
    leaf: 'net.(*netFD).accept',
  },
  httpWriteLoop: {
    frames: fr(`
      runtime.gopark  runtime/proc.go:462
      runtime.selectgo  runtime/select.go:351
      net/http.(*persistConn).writeLoop  net/http/transport.go:2652`),
    kind: 'select',
    leaf: 'net/http.(*persistConn).writeLoop',
  },
  syscall: {
    frames: fr(`
      syscall.Syscall6  syscall/syscall_linux.go:96
      internal/syscall/unix.Waitid  internal/syscall/unix/waitid_linux.go:18
      os.(*Process).pidfdWait.func1  os/pidfd_linux.go:108
      os.ignoringEINTR  os/file_posix.go:263
      os.(*Process).pidfdWait  os/pidfd_linux.go:107
      os.(*Process).wait  os/exec_unix.go:25
      os.(*Process).Wait  os/exec.go:346
      os/exec.(*Cmd).Wait  os/exec/exec.go:930
      os/exec.(*Cmd).Run  os/exec/exec.go:632
      main.blockSyscall  ${M}:26`),
    kind: 'syscall',
    leaf: 'main.blockSyscall',
  },
  busyLoopPreempted: {
    frames: fr(`
      runtime.asyncPreempt2  runtime/preempt.go:320
      runtime.asyncPreempt  runtime/preempt_amd64.s:124
      main.spin  ${M}:1`),
    kind: 'running',
    leaf: 'main.spin',
  },
  signalLoop: {
    frames: fr(`
      runtime.notetsleepg  runtime/lock_futex.go:123
      os/signal.signal_recv  runtime/sigqueue.go:152
      os/signal.loop  os/signal/signal_unix.go:23`),
    kind: 'other',
    leaf: 'os/signal.signal_recv',
  },
  pprofHandler: {
    frames: fr(`
      runtime.goroutineProfileWithLabels  runtime/mprof.go:1259
      runtime.pprof_goroutineProfileWithLabels  runtime/mprof.go:1250
      runtime/pprof.writeRuntimeProfile  runtime/pprof/pprof.go:851
      runtime/pprof.writeGoroutine  runtime/pprof/pprof.go:784
      runtime/pprof.(*Profile).WriteTo  runtime/pprof/pprof.go:408
      net/http/pprof.handler.ServeHTTP  net/http/pprof/pprof.go:273
      net/http/pprof.Index  net/http/pprof/pprof.go:397
      net/http.HandlerFunc.ServeHTTP  net/http/server.go:2286
      net/http.(*ServeMux).ServeHTTP  net/http/server.go:2828
      net/http.serverHandler.ServeHTTP  net/http/server.go:3311
      net/http.(*conn).serve  net/http/server.go:2067`),
    kind: 'running',
    leaf: 'runtime/pprof.writeRuntimeProfile',
  },
  // a finalizer and a cleanup that block (Go 1.26 shows them, with user code inside)
  finalizerSleeping: {
    frames: fr(`
      runtime.gopark  runtime/proc.go:462
      time.Sleep  runtime/time.go:363
      main.main.func1  /tmp/gostacks3/main.go:15
      runtime.runFinalizers  runtime/mfinal.go:272`),
    kind: 'sleep',
    leaf: 'main.main.func1',
  },
  cleanupSleeping: {
    frames: fr(`
      runtime.gopark  runtime/proc.go:462
      time.Sleep  runtime/time.go:363
      main.main.func2  /tmp/gostacks3/main.go:17
      runtime.callCleanup[go.shape.int]  runtime/mcleanup.go:204
      runtime.runCleanups  runtime/mcleanup.go:745`),
    kind: 'sleep',
    leaf: 'main.main.func2',
  },
};

test('isRuntimeOrStdlib: import path rules', () => {
  const std = [
    'runtime.gopark',
    'sync.(*Mutex).Lock',
    'internal/poll.(*FD).Read',
    'net/http.(*conn).serve',
    'internal/sync.runtime_SemacquireMutex',
    'os/signal.signal_recv',
    'runtime.callCleanup[go.shape.int]',
    'vendor/golang.org/x/net/http2/hpack.(*Decoder).Write',
    'time.Sleep',
  ];
  const user = [
    'main.leakUnbufferedSend',
    'main.main.func1',
    'github.com/x/y.(*T).Run.func2',
    'leakwatch/demo-service/x.F', // dotless module path: not a stdlib root
    'gopkg.in/yaml.v3.(*decoder).unmarshal',
    'golang.org/x/sync/errgroup.(*Group).Wait',
    'main.Map[go.shape.string,github.com/a/b.T]',
    '',
  ];
  for (const fn of std) assert.equal(isRuntimeOrStdlib(fn), true, fn);
  for (const fn of user) assert.equal(isRuntimeOrStdlib(fn), false, fn);
  assert.deepEqual(splitFunctionName('net/http.(*conn).serve'), { importPath: 'net/http', pkg: 'http' });
  assert.deepEqual(splitFunctionName('github.com/x/y.(*T).Run.func2'), { importPath: 'github.com/x/y', pkg: 'y' });
  assert.deepEqual(splitFunctionName('main.main.func1'), { importPath: 'main', pkg: 'main' });
});

for (const [name, s] of Object.entries(STACKS)) {
  test(`real Go 1.26 stack "${name}": kind ${s.kind}, leaf ${s.leaf}`, () => {
    assert.equal(blockingKind(s.frames), s.kind);
    assert.equal(leafFunction(s.frames), s.leaf);
    assert.equal(leafFrame(s.frames)?.function, s.leaf);
  });
}

test('leafFrame carries the file and line of the blocking user frame', () => {
  assert.deepEqual(leafFrame(STACKS.chanSend!.frames), { function: 'main.blockSend', file: M, line: 12 });
  assert.equal(leafFrame([]), null);
  assert.equal(leafFunction([]), '(no frames)');
});

test('older Go mutex frames (<= 1.23, no internal/sync) are still mutex / waitgroup', () => {
  const oldMutex = ['runtime.gopark', 'runtime.goparkunlock', 'runtime.semacquire1', 'sync.runtime_SemacquireMutex', 'sync.(*Mutex).lockSlow', 'sync.(*Mutex).Lock', 'main.f'];
  assert.equal(blockingKind(oldMutex.map((f) => ({ function: f, file: '', line: 0 }))), 'mutex');
  const oldWg = ['runtime.gopark', 'runtime.goparkunlock', 'runtime.semacquire1', 'sync.runtime_Semacquire', 'sync.(*WaitGroup).Wait', 'main.f'];
  assert.equal(blockingKind(oldWg.map((f) => ({ function: f, file: '', line: 0 }))), 'waitgroup');
});

test('running: a user leaf frame that is not parked', () => {
  assert.equal(blockingKind([{ function: 'main.spin', file: M, line: 1 }]), 'running');
  assert.equal(blockingKind([]), 'other');
});

test('matchesIgnore: exact names and trailing-* prefixes, any frame', () => {
  const f = STACKS.netRead!.frames;
  assert.equal(matchesIgnore(f, ['main.blockRead']), true);
  assert.equal(matchesIgnore(f, ['main.main.func1']), true); // an outer frame counts too
  assert.equal(matchesIgnore(f, ['internal/poll.*']), true);
  assert.equal(matchesIgnore(f, ['main.block*']), true);
  assert.equal(matchesIgnore(f, ['main.blockRea']), false); // exact means exact
  assert.equal(matchesIgnore(f, ['github.com/*', '']), false);
  assert.equal(matchesIgnore(f, []), false);
});

test('isBenignRuntime: runtime service goroutines and the profiler, never user leaks', () => {
  assert.equal(isBenignRuntime(STACKS.signalLoop!.frames), true);
  assert.equal(isBenignRuntime(STACKS.pprofHandler!.frames), true);
  assert.equal(isBenignRuntime([]), true);
  for (const root of ['runtime.forcegchelper', 'runtime.bgsweep', 'runtime.bgscavenge', 'runtime.runfinq']) {
    assert.equal(isBenignRuntime([{ function: 'runtime.gopark', file: '', line: 0 }, { function: root, file: '', line: 0 }]), true, root);
  }
  // user code anywhere makes it a candidate again, even under a runtime root
  assert.equal(isBenignRuntime(STACKS.finalizerSleeping!.frames), false);
  assert.equal(isBenignRuntime(STACKS.cleanupSleeping!.frames), false);
  for (const name of ['chanSend', 'mutex', 'netRead', 'httpAccept', 'httpWriteLoop', 'busyLoopPreempted']) {
    assert.equal(isBenignRuntime(STACKS[name]!.frames), false, name);
  }
});
