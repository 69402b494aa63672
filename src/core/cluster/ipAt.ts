/** The whole IPv4 address under `column` in `line`, with its span; dots and digits of a longer token do not count. */
export function ipv4At(line: string, column: number): { ip: string; start: number; end: number } | undefined {
  // Whole-token match: not preceded or followed by a digit or a dot-digit, so 1.2.3.4.5 and 10.0.0.300 don't match.
  const re = /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d]|\.\d)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    const start = m.index;
    const end = start + m[0].length;
    if (start > column) break;
    if (column <= end && m[0].split('.').every((p) => Number(p) <= 255)) return { ip: m[0], start, end };
  }
  return undefined;
}
