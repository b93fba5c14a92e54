// Live Go programs through the real record loop and the real `check` (issue 9 items 1 and 8): a slow leak
// beside 1,000 idle goroutines is a leak even though the total's rise stays under 10% of its level, and a
// bounded pool with bursts beside the same ballast is not.
import assert from 'node:assert/strict';
import test from 'node:test';
import { runLivePrograms } from '../scripts/eval/livePrograms.js';

test('a slow leak beside 1,000 idle goroutines exits 1 naming only its function; a pool with bursts beside them exits 0', { timeout: 240_000 }, async () => {
  // One leaked goroutine every 0.7 s for ~62 s (the analysis needs a 60 s span) is a rise of ~90 on a level of
  // ~1,050: under the 10%-of-level floor a gate on the total series would apply, a clean rise for the stack.
  const [leak, benign] = await runLivePrograms({
    recordEvery: '1s',
    recordFor: '62s',
    checkStep: '0', // only the final check counts here
    leakProfileMinutes: null, // the ad-hoc flags, as a soak test would
    programs: [
      { id: 'slow-leak-idle1000', pattern: 'timeout-send', every: '700ms', idle: 1000 },
      { id: 'pool-bursts-idle1000', pattern: 'pool,bursts', every: '200ms', idle: 1000 },
    ],
  });
  for (const r of [leak!, benign!]) assert.equal(r.error, undefined, `${r.id}: ${r.error}`);
  assert.ok(leak!.samples >= 55, `only ${leak!.samples} samples`);
  assert.deepEqual(leak!.suspects, ['main.sendAfterReceiverTimedOut'], leak!.checkLine);
  assert.equal(leak!.verdict, 'leak', leak!.checkLine);
  assert.equal(leak!.exitCode, 1, leak!.checkLine);
  assert.deepEqual(benign!.suspects, [], benign!.checkLine);
  assert.equal(benign!.verdict, 'stable', benign!.checkLine);
  assert.equal(benign!.exitCode, 0, benign!.checkLine);
});
