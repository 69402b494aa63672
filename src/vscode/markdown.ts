// Markdown that shows cluster, snapshot and settings text exactly as typed. VS Code renders
// hovers and tooltips as Markdown (a hover may even run commands), so a value like
// `running](https://x) ![](https://x/p.png)` must never become a link, an image or HTML.
// Build every such string with the `markdown` tag: each interpolated value is escaped unless it
// is already Md (code(), commandLink(), a nested markdown``). No vscode import: unit-tested.

/** Markdown text known to be safe to render. */
export class Md {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** Line breaks and control characters become spaces: a value stays in its line and its paragraph. */
function oneLine(value: unknown): string {
  return String(value).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
}

/** Plain text: every ASCII punctuation character escaped, so nothing can start markup or an autolink. */
export function text(value: unknown): Md {
  return new Md(oneLine(value).replace(/[!-/:-@[-`{-~]/g, (c) => '\\' + c));
}

/** Inline code: fenced by more backticks than any run inside, so the value cannot close it. */
export function code(value: unknown): Md {
  const inner = oneLine(value);
  const fence = '`'.repeat(Math.max(0, ...(inner.match(/`+/g) ?? []).map((run) => run.length)) + 1);
  const pad = inner === '' || inner.startsWith('`') || inner.endsWith('`') ? ' ' : '';
  return new Md(fence + pad + inner + pad + fence);
}

/**
 * A command link. The arguments are JSON, percent-encoded including ( ) ' ! and *, which
 * encodeURIComponent leaves alone: a `)` in a value would otherwise end the link early.
 */
export function commandLink(title: string, command: string, args: unknown[]): Md {
  const query = encodeURIComponent(JSON.stringify(args)).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  return new Md(`[${text(title).text}](command:${command}?${query})`);
}

/** Status bar text is not Markdown, but `$(name)` in it shows an icon: a backslash keeps it literal. */
export function labelText(value: unknown): string {
  return oneLine(value).replace(/\$\(/g, '\\$(');
}

/** Markdown from a template; values that are not Md are escaped as text. */
export function markdown(strings: TemplateStringsArray, ...values: unknown[]): Md {
  return new Md(strings.reduce((out, s, i) => out + s + (i < values.length ? (values[i] instanceof Md ? (values[i] as Md).text : text(values[i]).text) : ''), ''));
}

/** Joins Markdown parts, leaving out empty ones. */
export function joinMd(parts: readonly (Md | undefined | false)[], separator: string): Md {
  return new Md(parts.filter((p): p is Md => p instanceof Md && p.text !== '').map((p) => p.text).join(separator));
}
