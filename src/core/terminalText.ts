// The one sanitiser for text that came from a profile, a data file or an endpoint (function names, file
// paths, labels, error bodies) on its way to a terminal or a log. A compromised service controls those
// strings: raw, `ESC ] 0;title BEL` retitles the terminal, `ESC[2K` erases the line before it and a bidi
// override makes `main.evil` read as something else. Every such character is shown escaped, never emitted.

/**
 * C0 controls, DEL, C1 controls (U+0080-U+009F: 8-bit CSI/OSC on some terminals), the line/paragraph
 * separators, and the bidi embeddings, overrides, isolates and marks (U+061C, U+200E-F, U+202A-E, U+2066-9).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Terminal-safe text: control and bidi characters escaped (\n, \t, \u001b …), long values cut to `max`. */
export function displaySafe(s: string, max = 80): string {
  let out = s.replace(UNSAFE, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (out.length > max) out = out.slice(0, max - 1) + '…';
  return out;
}

/** One whole output line (a verdict, a warning): escaped, cut only when absurdly long. */
export function displaySafeLine(s: string): string {
  return displaySafe(s, 4000);
}
