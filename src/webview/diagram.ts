// The trace's graph as inline SVG, built node by node (createElementNS, textContent): boxes in
// columns, links between them, colours only from the theme's --vscode-* variables (main.css).
import { s } from './dom';
import type { Graph, GraphEdge, GraphNode, Health, NodeAction } from './graph';

const NODE_H = 38;
const ROW = 48;
const HEADER_H = 22;
const PAD = 8;
const MIN_W = 92;
const MAX_W = 290;
const MIN_GAP = 36;
const DOT = 12;

export interface Fonts {
  title: string;
  sub: string;
  label: string;
}

/** Text width in px, from the fonts the CSS gives the SVG text (see main.css .d-*). */
export type Measure = (text: string, font: keyof Fonts) => number;

export function canvasMeasure(fonts: Fonts): Measure {
  const ctx = document.createElement('canvas').getContext('2d');
  return (text, font) => {
    if (!ctx) return text.length * 7;
    ctx.font = fonts[font];
    return ctx.measureText(text).width;
  };
}

/** Fonts as the page resolves them: the UI font for titles, the editor font for addresses. */
export function pageFonts(): Fonts {
  const probe = (cls: string): string => {
    const el = document.createElement('span');
    el.className = cls;
    el.style.position = 'absolute';
    el.style.visibility = 'hidden';
    document.body.append(el);
    const cs = getComputedStyle(el);
    const font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
    el.remove();
    return font;
  };
  return { title: probe('d-title'), sub: probe('d-sub'), label: probe('d-label') };
}

function clip(text: string, font: keyof Fonts, max: number, measure: Measure): string {
  if (measure(text, font) <= max) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (measure(text.slice(0, mid) + '…', font) <= max) lo = mid;
    else hi = mid - 1;
  }
  return text.slice(0, lo) + '…';
}

const hasDot = (n: GraphNode): boolean => n.health === 'ok' || n.health === 'warn' || n.health === 'error';

interface Placed {
  node: GraphNode;
  x: number;
  y: number;
  w: number;
}

/** Lays the forest out: leaves one row each, a parent centred on its children, columns aligned. */
function layout(graph: Graph, measure: Measure): { placed: Map<GraphNode, Placed>; colX: number[]; colW: number[]; gaps: number[]; width: number; height: number } {
  const all: GraphNode[] = [];
  const walk = (n: GraphNode): void => {
    if (all.includes(n)) return;
    all.push(n);
    n.children.forEach((e) => walk(e.to));
  };
  graph.roots.forEach(walk);
  // Columns before the first drawn one (no source, no DNS) are left out.
  const base = all.length ? Math.min(...all.map((n) => n.col)) : 0;
  if (base > 0) {
    for (const n of all) n.col -= base;
    graph.columns = graph.columns.slice(base);
  }
  // ... and so are columns after the last one (a path that breaks early).
  const cols = all.length ? Math.max(...all.map((n) => n.col + 1)) : graph.columns.length;
  graph.columns = graph.columns.slice(0, cols);
  const colW = new Array<number>(cols).fill(MIN_W);
  for (const n of all) {
    const inner = Math.max(measure(n.title, 'title') + (hasDot(n) ? DOT : 0), measure(n.sub, 'sub'));
    colW[n.col] = Math.min(MAX_W, Math.max(colW[n.col], Math.ceil(inner) + 2 * PAD));
  }
  for (let c = 0; c < graph.columns.length; c++) colW[c] = Math.max(colW[c], Math.ceil(measure(graph.columns[c].toUpperCase(), 'label')) + 4);
  const gaps = new Array<number>(cols).fill(MIN_GAP);
  for (const n of all) for (const e of n.children) if (e.label) gaps[n.col] = Math.max(gaps[n.col], Math.ceil(measure(e.label, 'label')) + 20);
  const colX: number[] = [];
  let x = 1;
  for (let c = 0; c < cols; c++) {
    colX.push(x);
    x += colW[c] + (c < cols - 1 ? gaps[c] : 0);
  }
  const placed = new Map<GraphNode, Placed>();
  let row = 0;
  const place = (n: GraphNode): number => {
    const known = placed.get(n);
    if (known) return known.y;
    const ys = n.children.map((e) => place(e.to));
    const y = ys.length ? (Math.min(...ys) + Math.max(...ys)) / 2 : HEADER_H + PAD + row++ * ROW;
    placed.set(n, { node: n, x: colX[n.col], y, w: colW[n.col] });
    return y;
  };
  graph.roots.forEach(place);
  return { placed, colX, colW, gaps, width: x + 1, height: HEADER_H + PAD + Math.max(row, 1) * ROW - (ROW - NODE_H) + PAD };
}

const healthClass = (h: Health): string => `h-${h}`;

function edgePath(from: Placed, to: Placed, gap: number): { d: string; mid: { x: number; y: number }; straight: boolean } {
  const x1 = from.x + from.w;
  const y1 = from.y + NODE_H / 2;
  const x2 = to.x - 1;
  const y2 = to.y + NODE_H / 2;
  if (Math.abs(y1 - y2) < 0.5) return { d: `M ${x1} ${y1} H ${x2}`, mid: { x: x1 + gap / 2, y: y1 }, straight: true };
  const bend = x1 + gap;
  const c = x1 + gap / 2;
  return { d: `M ${x1} ${y1} C ${c} ${y1}, ${c} ${y2}, ${bend} ${y2} H ${x2}`, mid: { x: c, y: (y1 + y2) / 2 }, straight: false };
}

function actionText(a: NodeAction): string {
  return a.kind === 'container' ? 'Open the container' : a.kind === 'service' ? 'Reveal the service' : 'Reveal the task';
}

/** The SVG for a graph; `onAction` runs on click, Enter or Space on a node that has an action. */
export function renderDiagram(graph: Graph, measure: Measure, onAction: (a: NodeAction) => void): SVGSVGElement {
  const { placed, colX, colW, gaps, width, height } = layout(graph, measure);
  const titleId = 'diagram-title';
  const descId = 'diagram-desc';
  const svg = s('svg', {
    class: 'diagram',
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: 'group',
    'aria-labelledby': titleId,
    'aria-describedby': descId,
  });
  // CSSOM, not a style attribute: the CSP allows no inline styles.
  svg.style.minWidth = `${Math.round(width * 0.72)}px`;
  svg.append(s('title', { id: titleId }, 'Request path'), s('desc', { id: descId }, graph.summary));

  const defs = s('defs');
  for (const h of ['neutral', 'ok', 'warn', 'error', 'muted'] as Health[]) {
    defs.append(s('marker', { id: `arrow-${h}`, class: `d-arrow ${healthClass(h)}`, viewBox: '0 0 8 8', refX: 7, refY: 4, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M 0 0 L 8 4 L 0 8 z' })));
  }
  svg.append(defs);

  const headers = s('g', { class: 'd-headers', 'aria-hidden': 'true' });
  graph.columns.forEach((c, i) => headers.append(s('text', { class: 'd-label d-colhead', x: colX[i] + colW[i] / 2, y: 13, 'text-anchor': 'middle' }, c.toUpperCase())));
  svg.append(headers);

  const edges = s('g', { class: 'd-edges', 'aria-hidden': 'true' });
  const labels = s('g', { class: 'd-edge-labels', 'aria-hidden': 'true' });
  const nodes = s('g', { class: 'd-nodes' });
  const drawn = new Set<GraphNode>();
  const drawEdge = (from: Placed, e: GraphEdge): void => {
    const to = placed.get(e.to);
    if (!to) return;
    const p = edgePath(from, to, gaps[from.node.col]);
    edges.append(s('path', { class: `d-edge ${healthClass(e.health)}${e.health === 'error' || e.health === 'muted' ? ' dashed' : ''}`, d: p.d, 'marker-end': `url(#arrow-${e.health})` }));
    if (e.label) {
      const w = measure(e.label, 'label') + 8;
      const ly = p.straight ? p.mid.y - 7 : p.mid.y;
      labels.append(
        s('rect', { class: 'd-label-bg', x: p.mid.x - w / 2, y: ly - 8, width: w, height: 14, rx: 3 }),
        s('text', { class: `d-label d-edge-label ${healthClass(e.health)}`, x: p.mid.x, y: ly + 3, 'text-anchor': 'middle' }, e.label),
      );
    }
  };
  const drawNode = (n: GraphNode): void => {
    if (drawn.has(n)) return;
    drawn.add(n);
    const p = placed.get(n)!;
    const g = s('g', {
      class: `d-node ${healthClass(n.health)}${n.dashed ? ' dashed' : ''}${n.action ? ' action' : ''}`,
      transform: `translate(${p.x} ${p.y})`,
      role: n.action ? 'button' : 'img',
      tabindex: n.action ? 0 : null,
      'aria-label': n.label,
    });
    g.append(s('title', {}, n.action ? `${n.title}\n${n.sub}\n${actionText(n.action)}` : `${n.title}\n${n.sub}`));
    g.append(s('rect', { class: 'd-box', x: 0, y: 0, width: p.w, height: NODE_H, rx: 4 }));
    let tx = PAD;
    if (hasDot(n)) {
      g.append(s('circle', { class: 'd-dot', cx: PAD + 4, cy: 13, r: 4 }));
      tx += DOT;
    }
    g.append(s('text', { class: 'd-title', x: tx, y: 17 }, clip(n.title, 'title', p.w - tx - PAD, measure)));
    g.append(s('text', { class: 'd-sub', x: PAD, y: 31 }, clip(n.sub, 'sub', p.w - 2 * PAD, measure)));
    if (n.action) {
      const act = n.action;
      g.addEventListener('click', () => onAction(act));
      g.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter' || ev.key === ' ') {
          ev.preventDefault();
          onAction(act);
        }
      });
    }
    nodes.append(g);
    for (const e of n.children) {
      drawEdge(p, e);
      drawNode(e.to);
    }
  };
  graph.roots.forEach(drawNode);
  svg.append(edges, nodes, labels);
  return svg;
}
