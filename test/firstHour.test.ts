// The first hour of a new user (issue 12): times, wrong folders, usage errors and help texts, through the real CLI
// where the user meets them.
import assert from 'node:assert/strict';
import test from 'node:test';
import { parseTimeSeconds } from '../src/core/duration.js';

test('a time without a zone is UTC whatever TZ says, like every time leakwatch prints', () => {
  const savedTz = process.env.TZ;
  try {
    for (const tz of ['America/New_York', 'Asia/Kolkata', 'UTC']) {
      // Node re-reads TZ when it is assigned, so Date.parse would follow it.
      process.env.TZ = tz;
      assert.equal(parseTimeSeconds('2026-11-29 03:24', 0), Date.UTC(2026, 10, 29, 3, 24) / 1000, tz);
      assert.equal(parseTimeSeconds('2026-11-29T03:24:05', 0), Date.UTC(2026, 10, 29, 3, 24, 5) / 1000, tz);
      assert.equal(parseTimeSeconds('2026-11-29 03:24:00.5', 0), Date.UTC(2026, 10, 29, 3, 24, 0, 500) / 1000, tz);
      assert.equal(parseTimeSeconds('2026-11-29', 0), Date.UTC(2026, 10, 29) / 1000, tz);
      // An explicit zone is honoured, in the forms people write.
      assert.equal(parseTimeSeconds('2026-11-29T03:24Z', 0), Date.UTC(2026, 10, 29, 3, 24) / 1000, tz);
      assert.equal(parseTimeSeconds('2026-11-29 03:24+02:00', 0), Date.UTC(2026, 10, 29, 1, 24) / 1000, tz);
      assert.equal(parseTimeSeconds('2026-11-29T03:24:00-0500', 0), Date.UTC(2026, 10, 29, 8, 24) / 1000, tz);
      // Loose forms Date.parse would read in the host's zone are refused, and the message says what a bare time means.
      assert.throws(() => parseTimeSeconds('Nov 29 2026 03:24', 0), /not a time; use 2026-11-27T08:00Z \(a time without a zone is UTC\)/);
    }
  } finally {
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
  }
});
