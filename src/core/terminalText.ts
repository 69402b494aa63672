// What may reach a terminal from the cluster, a snapshot or a paste: C0/C1 control characters
// and bidi overrides could move the cursor, recolour, or reorder what a person reads.
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Text for people: each such character shows as '?' (tabs and line breaks stay). */
export function printable(s: string): string {
  return s.replace(UNPRINTABLE, '?');
}

/** JSON for machines, safe on a terminal too: the same characters as \u escapes, nothing lost. */
export function terminalSafeJson(json: string): string {
  return json.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
