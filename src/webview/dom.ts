// DOM building without HTML strings: every piece of cluster text goes in through textContent or
// an attribute, so a service label like `<img src=x onerror=...>` shows as typed.

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined>;

function setAttrs(el: Element, attrs: Attrs): void {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    // Never event-handler attributes: listeners are added with addEventListener.
    if (/^on/i.test(k)) throw new Error(`refusing attribute ${k}`);
    el.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

/** An HTML element: `h('span', { class: 'x' }, 'text', child)`. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs, ...children: Child[]): HTMLElementTagNameMap[K];
export function h(tag: string, attrs?: Attrs, ...children: Child[]): HTMLElement;
export function h(tag: string, attrs: Attrs = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element, same shape as `h`. */
export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** Monospace text. */
export function code(text: string, cls = ''): HTMLElement {
  return h('code', { class: cls || null }, text);
}

/** A button that looks like a link (keyboard reachable, named). */
export function linkButton(text: string, label: string, onClick: () => void, cls = ''): HTMLButtonElement {
  const b = h('button', { type: 'button', class: `link ${cls}`.trim(), 'aria-label': label, title: label }, text);
  b.addEventListener('click', (e) => {
    e.stopPropagation();
    onClick();
  });
  return b;
}

/** A small secondary button. */
export function smallButton(text: string, label: string, onClick: () => void): HTMLButtonElement {
  const b = h('button', { type: 'button', class: 'small', 'aria-label': label, title: label }, text);
  b.addEventListener('click', (e) => {
    e.stopPropagation();
    onClick();
  });
  return b;
}

/** Removes all children. */
export function clear(el: Element): void {
  while (el.firstChild) el.firstChild.remove();
}

/** A `<table>` with a header row; cells are text or nodes. */
export function table(caption: string, headers: string[], rows: Child[][], cls = ''): HTMLTableElement {
  return h(
    'table',
    { class: `grid ${cls}`.trim(), 'aria-label': caption },
    h('thead', {}, h('tr', {}, ...headers.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c))))),
  );
}
