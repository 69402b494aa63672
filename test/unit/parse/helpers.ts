/** Test helpers for the parser suites: a seeded PRNG (no dependencies) and timing. */

/** mulberry32: small, fast, good enough to drive property tests reproducibly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function int(rand: () => number, n: number): number {
  return Math.floor(rand() * n);
}

export function pick<T>(rand: () => number, xs: readonly T[]): T {
  return xs[int(rand, xs.length)]!;
}

/** CPU milliseconds f takes (this process): unlike wall time, not stretched when other processes
 *  share the cores, so a busy machine does not make a linear parser look superlinear. */
export function time(f: () => unknown): number {
  const start = process.cpuUsage();
  f();
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** Median and best of `runs` timings after `warm` untimed runs. No forced collections: a gc()
 *  before each run shrinks the heap and makes the next run pay for growing it again. */
export function settledMedian(f: () => unknown, runs = 7, warm = 2): { median: number; min: number } {
  for (let i = 0; i < warm; i++) f();
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) xs.push(time(f));
  return { median: median(xs), min: Math.min(...xs) };
}

/** What explain returns for nothing at all. */
export const EMPTY = { marks: [], ipvs: [], vips: [], skippedLines: 0, dns: [], nat: [], ports: [], lb: [], warnings: [], hosts: [], addresses: [] };
