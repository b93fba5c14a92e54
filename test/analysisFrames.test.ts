import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NO_FRAMES_NAME, type BlockingKind, type Frame } from '../src/core/model.js';
import {
  blockingKind,
  isBenignRuntime,
  isRuntimeOrStdlib,
  leafFrame,
  leafFunction,
  matchesIgnore,
  splitFunctionName,
} from '../src/core/frames.js';
import { fixture } from './helpers/fixtures.js';

// Real stacks, leaf first, from Go 1.26.8 linux/amd64 (test/fixtures/go126-stacks.txt; how they were captured is in
// test/fixtures/README.md): one goroutine blocked in each way, its frames as the goroutine profile's proto has them.
const G = '/usr/local/go/src/';
const M = '/tmp/gostacks/main.go';

/** The fixture's blocks: "== NAME | kind | leaf", then "function  file:line" lines; anything else is an error. */
function readStacks(text: string): Record<string, { frames: Frame[]; kind: BlockingKind; leaf: string }> {
  const stacks: Record<string, { frames: Frame[]; kind: BlockingKind; leaf: string }> = {};
  let current: Frame[] | null = null;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const head = /^== (\w+) \| ([^|]+) \| (\S+)$/.exec(line);
    if (head) {
      current = [];
      stacks[head[1]!] = { frames: current, kind: head[2] as BlockingKind, leaf: head[3]! };
      continue;
    }
    const frame = /^(\S+) {2}(\S+):(\d+)$/.exec(line);
    assert.ok(frame && current, `go126-stacks.txt: cannot read "${line}"`);
    const file = frame[2]!.replace('$M', M);
    current.push({ function: frame[1]!, file: file.startsWith('/') ? file : G + file, line: Number(frame[3]) });
  }
  return stacks;
}

const STACKS = readStacks(fixture('go126-stacks.txt').toString('utf8'));

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

test('the fixture holds the 23 real stacks, each with frames', () => {
  assert.equal(Object.keys(STACKS).length, 23);
  for (const [name, s] of Object.entries(STACKS)) assert.ok(s.frames.length >= 3, name);
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
  assert.equal(leafFunction([]), NO_FRAMES_NAME);
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
