// Issue 11: a 50 MB paste through explain, in its own process so its peak memory is its own.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { explainDump } from '../src/core/explain';

/** The recorded walk fixtures (prose, prompts, every format, several hosts) repeated to `mb` MB. */
function paste(repoRoot: string, mb: number): string {
  const dir = path.join(repoRoot, 'test', 'fixtures', 'parse');
  const unit = fs.readdirSync(dir).filter((f) => !f.endsWith('.json')).sort().map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n');
  return Array.from({ length: Math.ceil((mb * 1e6) / unit.length) }, () => unit).join('\n');
}

const [repoRoot, mb] = [process.argv[2]!, Number(process.argv[3] ?? 50)];
const text = paste(repoRoot, mb);
const t0 = performance.now();
const r = explainDump(text);
const ms = performance.now() - t0;
process.stdout.write(JSON.stringify({ mb: text.length / 1e6, ms, maxRssMb: process.resourceUsage().maxRSS / 1024, marks: r.marks.length }) + '\n');
