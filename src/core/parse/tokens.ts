/**
 * Shell-like word splitting for iptables-save and ipvsadm -S lines: whitespace separates words,
 * double quotes group (iptables-save quotes `--comment "two words"`), backslash escapes inside
 * quotes. An unquoted `#` word ends the line: authors append notes to pasted rules
 * (`-j SNAT --to-source 10.0.0.39 # another IP on lb_x`), and iptables never prints one.
 * One pass over the characters, no regex, so any input is linear.
 */
export function tokenize(line: string): string[] {
  const out: string[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    let c = line.charCodeAt(i);
    if (c === 32 || c === 9) {
      i++;
      continue;
    }
    if (c === 35 /* # */) break;
    // Fast path: a word without quotes is one slice.
    const start = i;
    while (i < n) {
      c = line.charCodeAt(i);
      if (c === 32 || c === 9 || c === 34) break;
      i++;
    }
    if (i >= n || c !== 34) {
      out.push(line.slice(start, i));
      continue;
    }
    i = start;
    let word = '';
    let quoted = false;
    while (i < n) {
      c = line.charCodeAt(i);
      if (!quoted && (c === 32 || c === 9)) break;
      if (c === 34 /* " */) {
        quoted = !quoted;
        i++;
        continue;
      }
      if (quoted && c === 92 /* \ */ && i + 1 < n) {
        word += line.charAt(i + 1);
        i += 2;
        continue;
      }
      word += line.charAt(i);
      i++;
    }
    out.push(word);
  }
  return out;
}
