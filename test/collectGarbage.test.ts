// collectGarbage (src/io/collectGarbage.ts): report and check collect between targets so that one target's garbage
// is not under the next one's peak. It must really collect, in a process started without --expose-gc (as the CLI
// and node --test are), and never throw.
import assert from 'node:assert/strict';
import test from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { collectGarbage } from '../src/io/collectGarbage.js';

test('collectGarbage frees what nothing refers to, without --expose-gc', async () => {
  assert.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined', 'the test runs as the CLI does, without a global gc');
  // 64 MiB of typed array, as a target's read leaves: held only through a WeakRef
  let big: Float64Array | null = new Float64Array(8 << 20);
  big[0] = 1;
  const ref = new WeakRef(big);
  big = null;
  // a WeakRef keeps its target alive to the end of the job that made or read it
  await nextTurn();
  collectGarbage();
  await nextTurn();
  assert.equal(ref.deref(), undefined);
  collectGarbage(); // again: the function is kept, nothing is set up twice
});
