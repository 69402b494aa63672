// Probe Load Distribution from the palette and the Services view, and the trace panel's Traffic
// section. It sends traffic, so the palette asks in a modal that says what will be sent (the
// panel's form says it in place); a cancel aborts the probe and removes its helper.
import * as vscode from 'vscode';
import type { Service } from '../core/cluster/types';
import type { Trace } from '../core/trace/types';
import { defaultProbePort, DEFAULT_PROBE_COUNT, probeWithTrace, type ProbeOptions } from '../core/traffic/run';
import { MAX_PROBE_CONNECTIONS, type ProbeReport } from '../core/traffic/types';
import { unlessCancelled } from './cancellation';
import type { ClusterModel } from './clusterModel';
import type { Log } from './log';
import type { Register } from './commands';
import type { ServicesElement } from './servicesTree';
import type { TracePanel, TracePanelHandlers } from './tracePanel';
import { pickSource, serviceFrom } from './traceCommands';

/** Runs a probe; undefined when cancelled. */
function runProbe(model: ClusterModel, service: string, options: ProbeOptions, token: vscode.CancellationToken): Promise<{ report: ProbeReport; trace: Trace } | undefined> {
  return unlessCancelled([token], async (signal) => probeWithTrace(await model.traceContext(signal), service, options));
}

/** The trace panel's side: its form's probe, and the port it offers. */
export function probePanelHandlers(model: ClusterModel): Pick<TracePanelHandlers, 'probe' | 'probePort'> {
  return {
    probe: async (trace, request, token) => {
      if (!trace.service) return undefined;
      const done = await runProbe(model, trace.service.name, { ...request, from: trace.source?.containerId }, token);
      return done?.report;
    },
    probePort: (trace) => {
      const service = trace.service && model.cluster?.service(trace.service.name);
      return service ? defaultProbePort(service) : undefined;
    },
  };
}

function whole(min: number, max: number) {
  return (text: string) => (/^\d+$/.test(text.trim()) && Number(text) >= min && Number(text) <= max ? undefined : `A whole number from ${min} to ${max}.`);
}

export function registerProbeCommands(model: ClusterModel, log: Log, show: (trace: Trace) => TracePanel, register: Register): vscode.Disposable[] {
  return [
    register('swarmLens.probeLoadDistribution', async (target?: ServicesElement | string) => {
      if (model.offline) {
        void vscode.window.showInformationMessage('A snapshot cannot send traffic: use the live swarm (Swarm: Use Live Swarm) to probe how connections spread.');
        return;
      }
      const service = await serviceFrom(model, target, 'Probe Load Distribution');
      if (!service) return;
      const source = await pickSource(model, service, `Probe ${service.name} from`);
      if (source === null) return;
      const count = await vscode.window.showInputBox({ title: `Probe ${service.name}: how many connections`, value: String(DEFAULT_PROBE_COUNT), prompt: `1 to ${MAX_PROBE_CONNECTIONS} TCP connections`, validateInput: whole(1, MAX_PROBE_CONNECTIONS) });
      if (count === undefined) return;
      const port = await askPort(service);
      if (port === undefined) return;
      const from = source?.name ?? 'a client container';
      const to = service.endpointMode === 'dnsrr' ? `the address each DNS lookup of ${service.name} answers` : `${service.name}'s VIP`;
      const send = 'Send';
      const ok = await vscode.window.showWarningMessage(
        `Send ${count} TCP connections from ${from} to ${to} on port ${port}?`,
        { modal: true, detail: 'Swarm Lens opens each connection and closes it (nothing is sent on it), 10 at a time and at most ~100 a second, then reads IPVS\'s connection table on the client\'s node to see which task each one reached.' },
        send,
      );
      if (ok !== send) return;
      log.info(`probe: ${count} connections from ${from} to ${service.name} on port ${port}`);
      const done = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Probing ${service.name}: ${count} connections`, cancellable: true }, (_p, token) =>
        runProbe(model, service.name, { count: Number(count), port, from: source?.containerId }, token),
      );
      if (!done) return log.info(`probe of ${service.name}: cancelled`);
      log.info(`probe of ${service.name}: ${done.report.connected} of ${done.report.sent} connected, ${done.report.findings.length} finding(s), ${done.report.durationMs} ms`);
      show(done.trace).showProbe(done.report);
    }),
  ];
}

async function askPort(service: Service): Promise<number | undefined> {
  const offered = defaultProbePort(service);
  const text = await vscode.window.showInputBox({
    title: `Probe ${service.name}: the port its tasks listen on`,
    value: offered !== undefined ? String(offered) : '',
    prompt: offered !== undefined ? `${service.name}'s first TCP port` : `${service.name} declares no port: type the one its tasks listen on`,
    validateInput: whole(1, 65535),
  });
  return text === undefined ? undefined : Number(text);
}
