// Frame prefixes as Go 1.26.8 reports them in goroutine profiles (leaf first; see analysisFrames.test.ts for the
// real programs they were read from), for tests that build recordings by hand.
import type { Frame } from '../../src/core/model.js';

export const PARK: Frame = { function: 'runtime.gopark', file: '/usr/local/go/src/runtime/proc.go', line: 462 };
export const SEND: Frame[] = [PARK, { function: 'runtime.chansend', file: '', line: 283 }, { function: 'runtime.chansend1', file: '', line: 161 }];
export const RECV: Frame[] = [PARK, { function: 'runtime.chanrecv', file: '', line: 667 }, { function: 'runtime.chanrecv1', file: '', line: 509 }];
export const SELECT: Frame[] = [PARK, { function: 'runtime.selectgo', file: '', line: 351 }];
export const SLEEP: Frame[] = [PARK, { function: 'time.Sleep', file: '', line: 363 }];
export const MUTEX: Frame[] = [
  PARK,
  { function: 'runtime.goparkunlock', file: '', line: 468 },
  { function: 'runtime.semacquire1', file: '', line: 192 },
  { function: 'internal/sync.runtime_SemacquireMutex', file: '', line: 95 },
  { function: 'internal/sync.(*Mutex).lockSlow', file: '', line: 149 },
  { function: 'internal/sync.(*Mutex).Lock', file: '', line: 70 },
  { function: 'sync.(*Mutex).Lock', file: '', line: 46 },
];

/** A frame of user code: `user('main.leak', 42)`. */
export function userFrame(fn: string, line: number, file: string): Frame {
  return { function: fn, file, line };
}
