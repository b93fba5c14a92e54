// The latest figures of every target in the Prometheus text exposition format (version 0.0.4), for
// node_exporter's textfile collector (`--collector.textfile.directory`), so leakwatch's numbers can be
// graphed and alerted on next to everything else. Pure: see io/promTextfileWrite.ts for the file.
//
// Rules followed (https://prometheus.io/docs/instrumenting/exposition_formats/ and node_exporter's
// textfile collector):
// - one `# HELP` and one `# TYPE` line per metric family, the family's samples right after them;
// - label values escape `\` as `\\`, `"` as `\"` and a newline as `\n`; HELP text escapes `\` and newline;
// - no timestamps: the textfile collector rejects samples that carry one;
// - a value that was not measured (null in the sample row) is left out, never written as 0, and a family
//   with no sample at all is left out entirely.
import type { SampleRow } from './model.js';

export interface PromTarget {
  name: string;
  /** The target's latest samples.csv row. */
  row: SampleRow;
  /** Leak-suspect stacks from the analysis; null when not analysed. */
  suspects: number | null;
  /** The last tick with status ok, unix seconds; null when there has been none. */
  lastSuccessTsSeconds: number | null;
}

interface Family {
  name: string;
  type: 'gauge' | 'counter';
  help: string;
  value: (t: PromTarget) => number | null;
}

const FAMILIES: Family[] = [
  { name: 'leakwatch_up', type: 'gauge', help: '1 when the last leakwatch tick sampled the target fully (status ok), else 0.', value: (t) => (t.row.status === 'ok' ? 1 : 0) },
  { name: 'leakwatch_goroutines', type: 'gauge', help: 'Goroutines in the target\'s goroutine profile at the last tick.', value: (t) => t.row.goroutines },
  { name: 'leakwatch_rss_bytes', type: 'gauge', help: 'Resident set size of the target process (VmRSS) at the last tick.', value: (t) => t.row.rssBytes },
  { name: 'leakwatch_cpu_seconds_total', type: 'counter', help: 'User and system CPU time of the target process since it started.', value: (t) => t.row.cpuSecondsTotal },
  { name: 'leakwatch_threads', type: 'gauge', help: 'OS threads of the target process at the last tick.', value: (t) => t.row.threads },
  { name: 'leakwatch_open_fds', type: 'gauge', help: 'Open file descriptors of the target process at the last tick.', value: (t) => t.row.fds },
  { name: 'leakwatch_suspects', type: 'gauge', help: 'Goroutine stacks leakwatch suspects of leaking.', value: (t) => t.suspects },
  {
    name: 'leakwatch_last_success_timestamp_seconds',
    type: 'gauge',
    help: 'Unix time of the last tick that sampled the target fully (status ok).',
    value: (t) => t.lastSuccessTsSeconds,
  },
];

/** A label value inside double quotes: `\` -> `\\`, `"` -> `\"`, newline -> `\n`. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text: `\` -> `\\`, newline -> `\n`. */
export function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A sample value as Go's ParseFloat reads it; null for anything that is not a finite number. */
function formatValue(v: number | null): string | null {
  if (v === null || typeof v !== 'number' || !Number.isFinite(v)) return null;
  return String(v);
}

/**
 * The whole textfile. Targets are sorted by name; a name given twice is written once (the first),
 * because two samples with the same labels make the file invalid.
 */
export function formatPromTextfile(targets: PromTarget[]): string {
  const seen = new Set<string>();
  const unique = targets.filter((t) => (seen.has(t.name) ? false : (seen.add(t.name), true)));
  unique.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: string[] = [];
  for (const f of FAMILIES) {
    const samples: string[] = [];
    for (const t of unique) {
      const v = formatValue(f.value(t));
      if (v !== null) samples.push(`${f.name}{target="${escapeLabelValue(t.name)}"} ${v}`);
    }
    if (samples.length === 0) continue;
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`, ...samples);
  }
  return out.length ? out.join('\n') + '\n' : '';
}
