// The architecture, kept by a test rather than by care: `core` and the CLI never import vscode,
// the webview never imports Node, and no module imports itself through others (a cycle).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const SRC = path.join(__dirname, '..', '..', '..', 'src');

/** Every .ts file under src, with the module specifiers it imports (static imports and exports). */
function modules(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (file.endsWith('.ts')) {
        const text = fs.readFileSync(file, 'utf8');
        out.set(file, [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'/gm)].map((m) => m[1] ?? m[2]));
      }
    }
  };
  walk(SRC);
  return out;
}

/** The file a relative specifier names (`./join` -> join.ts, `../parse` -> parse/index.ts). */
function resolve(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  return [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
}

const rel = (file: string) => path.relative(SRC, file);

/** Each module -> the src modules it imports (relative specifiers only). */
function importGraph(): Map<string, string[]> {
  return new Map([...modules()].map(([file, specs]) => [file, specs.filter((s) => s.startsWith('.')).map((s) => resolve(file, s)).filter((f): f is string => !!f)]));
}

test('core and the CLI never import vscode; the webview never imports Node', () => {
  const wrong: string[] = [];
  for (const [file, specs] of modules()) {
    const r = rel(file);
    if ((r.startsWith(`core${path.sep}`) || r === 'cli.ts') && specs.includes('vscode')) wrong.push(`${r} imports vscode`);
    if (r.startsWith(`webview${path.sep}`)) for (const s of specs) if (s.startsWith('node:') || s === 'vscode') wrong.push(`${r} imports ${s}`);
    if (r.startsWith(`core${path.sep}`)) for (const s of specs) if (s.startsWith('.') && !rel(resolve(file, s) ?? '').startsWith(`core${path.sep}`)) wrong.push(`${r} imports ${s} outside core`);
  }
  assert.deepEqual(wrong, []);
});

test('no import cycles in src', () => {
  const edges = importGraph();
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (file: string, trail: string[]): void => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      cycles.push([...trail.slice(trail.indexOf(file)), file].map(rel).join(' -> '));
      return;
    }
    state.set(file, 'open');
    for (const next of edges.get(file) ?? []) visit(next, [...trail, file]);
    state.set(file, 'done');
  };
  for (const file of edges.keys()) visit(file, []);
  assert.ok(edges.size > 50, `read ${edges.size} modules`);
  assert.deepEqual(cycles, []);
});

test('the trace path (trace, check, parse) never reaches explain, directly or through another module', () => {
  // Probe output is a fixed format; the tolerant reading of pastes (prompts, Markdown, wrapping,
  // heuristics) lives in core/explain and must not creep into what a trace or a check believes.
  const edges = importGraph();
  const strict = ['trace', 'check', 'parse'].map((d) => `core${path.sep}${d}${path.sep}`);
  const wrong: string[] = [];
  for (const start of edges.keys()) {
    if (!strict.some((d) => rel(start).startsWith(d))) continue;
    const seen = new Set<string>();
    const walk = (file: string, trail: string[]): void => {
      if (seen.has(file)) return;
      seen.add(file);
      if (rel(file).startsWith(`core${path.sep}explain${path.sep}`)) wrong.push([...trail, file].map(rel).join(' -> '));
      else for (const next of edges.get(file) ?? []) walk(next, [...trail, file]);
    };
    walk(start, []);
  }
  assert.ok([...edges.keys()].some((f) => rel(f).startsWith(`core${path.sep}explain${path.sep}`)), 'core/explain exists');
  assert.deepEqual(wrong, []);
});
