// Text from outside (device names and drivers read from sysfs or a simulated board's state, script tokens, option
// values) made safe to print on a terminal: every character that can move the cursor, recolour or reorder the screen,
// or hide what follows, is shown escaped. Errors (errors.ts safeText), tables and doctor findings go through here.

// Control characters (C0, DEL, C1), line/paragraph separators, bidi controls and the BOM. Backslash is left alone
// (paths, regexes stay readable).
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;
const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function escapeChar(c: string): string {
  const named = NAMED[c];
  if (named !== undefined) return named;
  const n = c.codePointAt(0)!;
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, "0")}` : `\\u{${n.toString(16)}}`;
}

/** `text` with control characters, escape sequences and bidi controls made visible (`\x1b`, `\n`, `\u{202e}`). */
export function escapeUnsafe(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** JSON text with the characters JSON.stringify leaves raw (DEL, C1, bidi controls) as \u escapes: same data. */
export function jsonUnsafeEscaped(json: string): string {
  return json.replace(UNSAFE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
