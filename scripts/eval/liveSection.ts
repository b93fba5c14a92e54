// The "Live Go programs" section of EVAL.md, from the results of livePrograms.ts.
import type { LiveResult } from './livePrograms.js';

/** Markdown table cells must not break the table. */
function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
}

/** The "Live Go programs" section of EVAL.md: one row per program, then the goal line. */
export function renderLiveSection(results: LiveResult[]): string {
  const passed = results.filter((r) => r.pass).length;
  const leaks = results.filter((r) => r.expected === 'leak');
  const provable = leaks.filter((r) => r.confirmed).length;
  const lines = [
    '## Live Go programs',
    '',
    'Each leak pattern of `scripts/eval/leakpatterns` runs as its own Go process (called every 200 ms, 2 s or 15 s,',
    'some beside 1,000 or 5,000 idle goroutines), recorded by the real `leakwatch record --every` and judged by the real',
    '`check` and `report --json`. "Exact" means the suspects are the leaking function and nothing else (no suspect at all',
    'for the benign controls). "Runtime" is whether the Go runtime\'s goroutineleak profile confirmed the suspect',
    '(locks on package-level mutexes stay reachable, so the GC cannot prove those; "leak profile every" is the',
    'recorder\'s `leakProfileMinutes`). "First leak exit" is the earliest',
    '`check --until T` that exited 1, T stepping by 30 s from the first sample + 60 s to the last sample; for the benign',
    'controls the same cutoffs count the false alarms (exit 1 or 3; exit 4, "cannot judge", counted apart).',
    '',
    `**Goal: every program ends as expected: ${passed === results.length ? 'met' : 'missed'}** (${passed} of ${results.length}; runtime-confirmed leaks: ${provable} of ${leaks.length}).`,
    '',
    '| program | pattern | every | idle | expected | verdict | exit | suspects | exact | runtime | first leak exit / false alarms | leak profile every | samples | seconds |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const counts = new Map<string, number>();
    for (const s of r.suspects) counts.set(s, (counts.get(s) ?? 0) + 1);
    const suspects = [...counts].map(([leaf, n]) => (n > 1 ? `${leaf} ×${n}` : leaf)).join(', ') || '—';
    const expected = r.expected === 'leak' ? `leak in ${r.expectedLeaf}` : 'stable';
    // the count is the latest goroutineleak snapshot's, which the recorder fetches less often than the profile
    const proven = `${r.runtimeLeaked} proven in the latest leak profile`;
    const runtime =
      r.runtimeLeaked === null ? 'no leak profile' : r.expected === 'stable' ? proven : `${r.confirmed ? 'confirmed' : 'not confirmed'} (${proven})`;
    const why = [r.verdictReason, r.confidence].filter((x) => x !== null).join(', ');
    const verdict = r.error ? `error: ${r.error}` : r.verdict === null ? '—' : why ? `${r.verdict} (${why})` : r.verdict;
    const scan =
      r.expected === 'leak'
        ? r.firstLeakExitSeconds !== null
          ? `after ${r.firstLeakExitSeconds} s`
          : 'never'
        : r.falseAlarms
          ? `${r.falseAlarms.nonZero} of ${r.falseAlarms.checks}${r.falseAlarms.cannotJudge ? ` (${r.falseAlarms.cannotJudge} cannot judge)` : ''}`
          : '—';
    lines.push(
      `| ${cell(r.id)} | ${cell(r.pattern)} | ${r.every} | ${r.idle} | ${cell(expected)} | ${cell(verdict)} | ${r.exitCode ?? '—'} | ${cell(suspects)} | ${r.suspectsExact ? 'yes' : 'no'} | ${runtime} | ${scan} | ${r.leakProfileMinutes === null ? 'default' : `${r.leakProfileMinutes} min`} | ${r.samples} | ${r.seconds.toFixed(0)} |`,
    );
  }
  return lines.join('\n') + '\n';
}
