// The identity of a goroutine stack, at explicit levels of similarity (like panicparse's Similarity): two stacks
// are "the same" at a level when their identities at that level are equal.
//
//   frames+labels           every frame (function, file, line) and every label with its value: a stack of
//                           stacks.jsonl, one line of the history (the recorder's key; goroutineProfile.stackKey);
//   frames+label-keys       every frame and the label keys, not their values: stacks whose labels differ only in
//                           values (request ids, trace ids) form one label group, judged together;
//   frames-outside-runtime  frames outside package runtime only, no labels: how a debug=2 dump (which hides
//                           runtime frames and prints no labels) is matched to the profile's stacks.

import type { Frame } from './model.js';

export type StackSimilarity = 'frames+labels' | 'frames+label-keys' | 'frames-outside-runtime';

function frameText(f: Frame): string {
  return `${f.function} ${f.file}:${f.line}`;
}

/** Frames of package runtime (exported or not): debug=2 hides most of them. */
export function isRuntimePackageFrame(f: Frame): boolean {
  return f.function.startsWith('runtime.');
}

/** Sorted `key=value` pairs joined by NUL (NUL cannot occur in a pprof label). */
export function labelsIdentity(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join('\u0000');
}

export function stackIdentity(frames: readonly Frame[], labels: Record<string, string>, level: StackSimilarity): string {
  switch (level) {
    case 'frames+labels':
      return `${frames.map(frameText).join('\n')}\n#${labelsIdentity(labels)}`;
    case 'frames+label-keys':
      return `${frames.map(frameText).join('\n')}\n#${Object.keys(labels).sort().join('\u0000')}`;
    case 'frames-outside-runtime':
      return frames
        .filter((f) => !isRuntimePackageFrame(f))
        .map(frameText)
        .join('\n');
  }
}
