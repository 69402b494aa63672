// Issue 4: from trace data to a painted panel, in real Chromium, for a service with 200 backends;
// the page's JS heap once painted. The page loads the shipped dist/webview bundle with a stand-in
// for acquireVsCodeApi; the host side posts the trace the way TracePanel does.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Trace } from '../src/core/trace/types';

export interface PanelBench {
  paintMs: number;
  heapMB: number;
  backends: number;
}

/** A healthy vip trace whose pool has `n` backends, each a running task. */
export function bigTrace(n: number): Trace {
  const ip = (i: number) => `10.0.${Math.floor(i / 250) + 1}.${(i % 250) + 2}`;
  const backends = Array.from({ length: n }, (_, i) => ({
    address: ip(i), host: null, port: 0, forward: 'Masq', weight: 1, activeConnections: i % 5, inactiveConnections: i % 3,
    task: { id: `t${i.toString(36).padStart(24, '0')}`, name: `web.${i + 1}`, service: 'web', node: `node${(i % 20) + 1}`, state: 'running', containerId: (i.toString(16) + 'c'.repeat(64)).slice(0, 64) },
  }));
  const pool = { sandbox: 'lb_abcdefghi', protocol: 'FWM', fwmark: 259, hex: '0x103', address: null, port: null, scheduler: 'rr', backends };
  const mark = { sandbox: 'lb_abcdefghi', table: 'mangle', chain: 'INPUT', mark: 259, hex: '0x103', destination: '10.0.0.9', protocol: null, port: null, packets: 42, rule: '-A INPUT -d 10.0.0.9/32 -j MARK --set-xmark 0x103/0xffffffff' };
  return {
    version: 1, kind: 'service', takenAt: new Date().toISOString(), node: 'node1', probe: 'host', layout: 'lb-sandbox',
    service: { id: 'svc', name: 'web', endpointMode: 'vip' },
    source: { containerId: 'c'.repeat(64), name: 'client.1.x', netns: '/run/docker/netns/abc' },
    dns: [
      { query: 'web', status: 'NOERROR', answers: [{ address: '10.0.0.9', owner: { kind: 'vip', service: 'web', network: 'overlay1' } }], expected: ['10.0.0.9'], command: 'dig web' },
      { query: 'tasks.web', status: 'NOERROR', answers: backends.map((b) => ({ address: b.address, owner: { kind: 'task' as const, task: b.task } })), expected: backends.map((b) => b.address), command: 'dig tasks.web' },
    ],
    vips: [{ address: '10.0.0.9', network: 'overlay1', lbIndex: 259, mark, ipvs: pool }],
    marks: [mark], ipvs: [pool], mesh: [], sandboxes: [], findings: [],
    commands: ['nsenter --net=/run/docker/netns/lb_abcdefghi ipvsadm -Ln'], raw: [{ title: 'ipvsadm', command: 'ipvsadm -Ln', text: 'x'.repeat(100_000) }],
  } as Trace;
}

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="/main.css"></head>
<body class="vscode-dark" style="--vscode-font-family: sans-serif; --vscode-foreground: #ccc; --vscode-editor-background: #1e1e1e">
<script>
  window.__posted = [];
  window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => undefined, setState: () => {} });
</script>
<script type="module" src="/main.js"></script></body></html>`;

export async function benchPanelPaint(repoRoot: string, backends: number, runs: number): Promise<PanelBench | string> {
  const dir = path.join(repoRoot, 'dist', 'webview');
  if (!fs.existsSync(path.join(dir, 'main.js'))) return 'dist/webview is not built';
  if (!fs.existsSync('/usr/bin/chromium')) return 'no /usr/bin/chromium';
  const server = http.createServer((req, res) => {
    const file = path.join(dir, path.basename(req.url ?? ''));
    if (req.url === '/') res.end(PAGE);
    else if (!fs.existsSync(file)) res.writeHead(404).end();
    else res.setHeader('Content-Type', file.endsWith('.css') ? 'text/css' : 'text/javascript').end(fs.readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-precise-memory-info'] });
  try {
    const trace = bigTrace(backends);
    const times: number[] = [];
    let heap = 0;
    for (let i = 0; i < runs; i++) {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
      // From the message's arrival to the frame after the DOM is built: what a person waits for.
      times.push(
        await page.evaluate(
          (t) =>
            new Promise<number>((resolve) => {
              const t0 = performance.now();
              window.postMessage({ type: 'trace', trace: t }, '*');
              requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - t0), 0));
            }),
          trace,
        ),
      );
      const text = await page.evaluate(() => document.body.textContent ?? '');
      if (!text.includes(`web.${backends}`)) throw new Error('the panel did not render every backend');
      heap = await page.evaluate(() => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0);
      await page.close();
    }
    return { paintMs: [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)], heapMB: heap / 1e6, backends };
  } finally {
    await browser.close();
    server.close();
  }
}
