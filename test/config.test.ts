import assert from 'node:assert/strict';
import test from 'node:test';
import { ConfigError, expandHeaders, parseConfigText, validateConfig } from '../src/core/config.js';
import { parseDurationSeconds, parseTimeSeconds } from '../src/core/duration.js';

test('a valid config gets defaults and a normalised URL', () => {
  const c = validateConfig({ targets: [{ name: 'api', process: 'api-server', pprof: 'http://127.0.0.1:6060/debug/pprof/' }] });
  assert.equal(c.targets[0].pprof, 'http://127.0.0.1:6060/debug/pprof');
  assert.equal(c.retentionDays, 14);
  assert.equal(c.concurrency, 8);
});

test('unknown keys and bad values name the key path and what was expected', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ targets: [{ name: 'api', proces: 'x' }] }, /targets\[0\]\.proces: unknown key; expected one of name, pid/],
    [{ targets: [{ name: 'api', pid: -3 }] }, /targets\[0\]\.pid: expected a positive integer, got -3/],
    [{ targets: [{ name: '=cmd', pid: 3 }] }, /targets\[0\]\.name: expected 1-64 characters/],
    [{ targets: [{ name: 'a', pid: 1, process: 'x' }] }, /only one of pid, process, pidfile/],
    [{ targets: [{ name: 'a' }] }, /needs one of pid, process, pidfile, or at least a pprof URL/],
    [{ targets: [{ name: 'a', pprof: 'file:///etc/passwd' }] }, /only http and https/],
    [{ targets: [{ name: 'a', pprof: 'http://u:secret@h/debug/pprof' }] }, /do not put credentials in the URL/],
    [{ targets: [{ name: 'a', pid: 1 }, { name: 'a', pid: 2 }] }, /"a" is used twice/],
    [{ targets: [{ name: 'a', pid: 1, headers: { 'X-A': 'a\nb' } }] }, /headers\.X-A: the value holds a line break \(CR or LF\)/],
    [{ targets: [] }, /targets: expected a non-empty list/],
    [{ targets: [{ name: 'a', pid: 1 }], retention: 3 }, /retention: unknown key/],
  ];
  for (const [raw, re] of cases) {
    assert.throws(() => validateConfig(raw, 'cfg.json'), (e: Error) => e instanceof ConfigError && re.test(e.message), JSON.stringify(raw));
  }
});

test('JSON syntax errors become one line naming the file', () => {
  assert.throws(() => parseConfigText('{"targets": [', '/etc/lw.json'), /^Error: \/etc\/lw.json: not valid JSON|\/etc\/lw.json: not valid JSON/);
});

test('headers expand ${VAR} from the environment and name a missing one', () => {
  const ok = expandHeaders({ Authorization: 'Bearer ${TOKEN}' }, { TOKEN: 's3cret' });
  assert.deepEqual(ok, { headers: { Authorization: 'Bearer s3cret' } });
  const missing = expandHeaders({ Authorization: 'Bearer ${TOKEN}' }, {});
  assert.ok('error' in missing && /\$\{TOKEN\}, which is not set/.test(missing.error));
});

test('durations and times', () => {
  assert.equal(parseDurationSeconds('5s'), 5);
  assert.equal(parseDurationSeconds('30m'), 1800);
  assert.equal(parseDurationSeconds('1.5h'), 5400);
  assert.equal(parseDurationSeconds('250ms'), 0.25);
  assert.equal(parseDurationSeconds('14d'), 14 * 86400);
  assert.throws(() => parseDurationSeconds('5 minutes'), /not a duration; use e\.g\. 5s/);
  assert.throws(() => parseDurationSeconds('0s'), /more than zero/);
  assert.equal(parseTimeSeconds('2h ago', 10_000), 10_000 - 7200);
  assert.equal(parseTimeSeconds('1795747611', 0), 1795747611);
  assert.equal(parseTimeSeconds('2026-11-27T00:00:00Z', 0), Date.UTC(2026, 10, 27) / 1000);
  assert.throws(() => parseTimeSeconds('yesterday', 0), /not a time/);
  // impossible days and hours are refused, not rolled over into the next month or day
  for (const bad of ['2026-02-30', '2026-02-29', '2026-04-31 10:00', '2026-11-27T24:00Z', '2026-11-27T25:00']) assert.throws(() => parseTimeSeconds(bad, 0), /not a time/, bad);
  assert.equal(parseTimeSeconds('2028-02-29', 0), Date.UTC(2028, 1, 29) / 1000);
  assert.equal(parseTimeSeconds('2026-11-27 23:59+05:00', 0), Date.UTC(2026, 10, 27, 18, 59) / 1000);
});
