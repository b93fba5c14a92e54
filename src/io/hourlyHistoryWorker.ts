// The worker of hourlyReadAhead.ts: parses the hourly history files it is given (readRecording.ts parseHourlyFile)
// and answers once on its port. It always answers and sets `done`, an error included, so the main thread waiting on
// it never waits for nothing.
import { workerData } from 'node:worker_threads';
import { READ_AHEAD_MAX_LINES, type ReadAheadAnswer, type ReadAheadJob } from './hourlyReadAhead.js';

const job = workerData as ReadAheadJob;
try {
  // imported here, so that a failure to load is answered too (the main thread cannot see this thread die)
  const { parseHourlyFile } = await import('./readRecording.js');
  const files = job.paths.map((p) => parseHourlyFile(p, job.sinceSeconds, job.untilSeconds, READ_AHEAD_MAX_LINES));
  // copied, not moved (READ_AHEAD_MAX_LINES says why)
  const answer: ReadAheadAnswer = { files };
  job.port.postMessage(answer);
} catch (e) {
  const answer: ReadAheadAnswer = { error: (e as Error).message };
  job.port.postMessage(answer);
} finally {
  Atomics.store(job.done, 0, 1);
  Atomics.notify(job.done, 0);
}
