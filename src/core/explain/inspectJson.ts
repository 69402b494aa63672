/**
 * JSON pasted from `docker network inspect --verbose` (its `Services`: VIP, LocalLBIndex, task
 * endpoint IPs), `--format '{{json .Services}}'`, `docker service inspect` (Endpoint.VirtualIPs)
 * and `{{json .Endpoint.VirtualIPs}}`, pretty-printed (jq, json.tool) or on one line.
 *
 * The block takes lines while they can be JSON and until its brackets balance, then parses them
 * once (JSON.parse is linear and never runs code). Values are checked field by field: a pasted
 * document is hostile until proven otherwise.
 */
import type { BlockFactory, BlockParser } from '../parse/scan';
import type { ExplainLb } from './types';
import { isIPv4, isIPv6 } from '../parse/values';

/** Load-balancer facts of one service on one network, before the join with marks and pools. */
export type LbFact = Omit<ExplainLb, 'mark' | 'backends' | 'alias'>;

// Larger pasted JSON is not a swarm's inspect output; stop storing it (still taken, and reported).
const MAX_JSON_CHARS = 32 * 1024 * 1024;

export class JsonBlock implements BlockParser {
  readonly facts: LbFact[] = [];
  /** Why the JSON could not be read; null when it was (or is still open). */
  error: string | null = null;
  /** Lines taken (prose between them is not: it was skipped and counted already). */
  lines = 0;
  private readonly parts: string[] = [];
  private size = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private done = false;

  feed(t: string): boolean {
    if (this.done || !jsonish(t)) return false;
    this.lines++;
    if (this.size <= MAX_JSON_CHARS) this.parts.push(t);
    this.size += t.length + 1;
    this.track(t);
    if (this.depth <= 0) this.close();
    return true;
  }

  /** Bracket depth outside strings, one pass over the line. */
  private track(t: string): void {
    for (let i = 0; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 92 /* \ */) this.escaped = true;
        else if (c === 34 /* " */) this.inString = false;
      } else if (c === 34) this.inString = true;
      else if (c === 91 || c === 123) this.depth++;
      else if (c === 93 || c === 125) this.depth--;
    }
    // A string never spans lines in JSON: a line that leaves one open is not JSON.
    this.inString = false;
    this.escaped = false;
  }

  private close(): void {
    if (this.done) return;
    this.done = true;
    if (this.size > MAX_JSON_CHARS) {
      this.error = 'it is larger than any docker inspect output';
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(this.parts.join('\n'));
    } catch (e) {
      // Pasted fragments (a trimmed `Containers` map) are common: say why, keep going.
      this.error = e instanceof Error ? e.message.slice(0, 160) : 'not valid JSON';
      return;
    } finally {
      this.parts.length = 0;
    }
    for (const f of lbFacts(value)) this.facts.push(f);
  }

  blank(): void {}

  finish(): void {
    this.close();
  }
}

/** Whether a trimmed line can be part of pretty-printed or one-line JSON. */
function jsonish(t: string): boolean {
  const c = t.charCodeAt(0);
  // { } [ ] " , digits, minus, true/false/null
  if (c === 123 || c === 125 || c === 91 || c === 93 || c === 34 || c === 44) return true;
  if ((c >= 48 && c <= 57) || (c === 45 && t.charCodeAt(1) >= 48 && t.charCodeAt(1) <= 57)) return /^-?\d[\d.eE+-]*,?$/.test(t);
  return /^(true|false|null),?$/.test(t);
}

function startsJson(t: string): boolean {
  return t === '[' || t === '{' || /^\[\s*\{(\s*"|$)/.test(t) || /^\{\s*"[^"]*"\s*:/.test(t);
}

export const jsonFactory: BlockFactory<JsonBlock> = {
  format: 'json',
  starts: (t) => startsJson(t),
  create: () => new JsonBlock(),
};

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function own(o: Obj, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

/** `10.0.0.2/24` -> `10.0.0.2`; `<nil>`, '' and anything not an address -> null. */
function address(v: unknown): string | null {
  const s = str(v);
  if (s === null) return null;
  const a = s.replace(/\/\d{1,3}$/, '');
  return isIPv4(a) || isIPv6(a) ? a : null;
}

function lbIndex(v: unknown): number | null {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff ? v : null;
}

/** One entry of a network's `Services` map (`VIP`, `LocalLBIndex`, `Tasks`). */
function serviceEntry(network: string | null, service: string, v: unknown): LbFact | null {
  if (!isObj(v)) return null;
  const vip = own(v, 'VIP');
  const index = own(v, 'LocalLBIndex');
  const tasks = own(v, 'Tasks');
  if (vip === undefined && index === undefined && tasks === undefined) return null;
  return {
    network,
    service: service.length > 0 ? service : null,
    vip: address(vip),
    localLBIndex: lbIndex(index),
    tasks: Array.isArray(tasks) ? tasks.filter(isObj).map((t) => ({ name: str(own(t, 'Name')), address: address(own(t, 'EndpointIP')) })) : [],
  };
}

function servicesMap(network: string | null, services: Obj): LbFact[] {
  const out: LbFact[] = [];
  for (const name of Object.keys(services)) {
    const f = serviceEntry(network, name, services[name]);
    if (f !== null) out.push(f);
  }
  return out;
}

/** A VirtualIPs entry (`{ NetworkID, Addr }`) of a service. */
function virtualIp(service: string | null, v: unknown): LbFact | null {
  if (!isObj(v) || own(v, 'Addr') === undefined) return null;
  return { network: str(own(v, 'NetworkID')), service, vip: address(own(v, 'Addr')), localLBIndex: null, tasks: [] };
}

function fromItem(v: unknown): LbFact[] {
  if (!isObj(v)) return [];
  const services = own(v, 'Services');
  if (isObj(services)) return servicesMap(str(own(v, 'Name')), services);
  const endpoint = own(v, 'Endpoint');
  if (isObj(endpoint)) {
    const spec = own(v, 'Spec');
    const name = isObj(spec) ? str(own(spec, 'Name')) : null;
    const vips = own(endpoint, 'VirtualIPs');
    return Array.isArray(vips) ? vips.map((x) => virtualIp(name, x)).filter((f): f is LbFact => f !== null) : [];
  }
  const vip = virtualIp(null, v);
  if (vip !== null) return [vip];
  // `--format '{{json .Services}}'`: the map itself.
  return servicesMap(null, v);
}

/** The load-balancer facts in a parsed inspect document; [] for any other JSON. */
export function lbFacts(value: unknown): LbFact[] {
  if (!Array.isArray(value)) return fromItem(value);
  const out: LbFact[] = [];
  for (const item of value) for (const f of fromItem(item)) out.push(f);
  return out;
}
