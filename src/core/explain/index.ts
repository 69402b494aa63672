/**
 * `explain`: reads whatever a person pastes from a debugging walk (a bug report, a terminal
 * session: prompts, Markdown fences and quotes, wrapped lines, colour codes, several hosts) and
 * says what the marks, pools, VIPs and DNS answers in it mean. Tolerant by design: heuristics
 * live here, on top of the format parsers of src/core/parse. The trace and the check never
 * import this folder (test/unit/layers.test.ts keeps it so).
 */
export type * from './types';
export { analyseDump, explainDump, foundAnything, type DumpAnalysis, type PoolState, type SkippedLine } from './explain';
export { explainToText } from './text';
export { decodeDump } from './input';
export { parseIptablesList } from './iptablesList';
