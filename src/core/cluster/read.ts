// Tolerant readers for Engine API JSON: a field of the wrong type reads as missing, so older and
// newer engines (and garbage) never crash the cluster state.

export type Json = unknown;

export function obj(value: Json): Record<string, Json> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, Json>) : undefined;
}

/** value[a][b]...; explicit parameters instead of a rest array: this runs ~20 times per task. */
export function at(value: Json, a: string, b?: string, c?: string, d?: string, e?: string): Json {
  let v = step(value, a);
  if (b !== undefined) v = step(v, b);
  if (c !== undefined) v = step(v, c);
  if (d !== undefined) v = step(v, d);
  if (e !== undefined) v = step(v, e);
  return v;
}

function step(value: Json, key: string): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, Json>)[key] : undefined;
}

type Path = [a: string, b?: string, c?: string, d?: string, e?: string];

export function str(value: Json, ...path: Path): string | undefined {
  const v = at(value, ...path);
  return typeof v === 'string' ? v : undefined;
}

export function num(value: Json, ...path: Path): number | undefined {
  const v = at(value, ...path);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function bool(value: Json, ...path: Path): boolean {
  return at(value, ...path) === true;
}

export function arr(value: Json, ...path: Path | []): Json[] {
  const v = path.length ? at(value, ...(path as Path)) : value;
  return Array.isArray(v) ? v : [];
}

export function strMap(value: Json, ...path: Path): Record<string, string> {
  const o = obj(at(value, ...path));
  const out: Record<string, string> = {};
  if (!o) return out;
  for (const [k, v] of Object.entries(o)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Splits `10.0.0.9/24` into address and prefix; undefined for anything that is not IPv4 CIDR or plain. */
export function splitCidr(value: string | undefined): { address: string; prefixLength?: number } | undefined {
  if (!value) return undefined;
  const slash = value.indexOf('/');
  const address = slash < 0 ? value : value.slice(0, slash);
  if (!isIPv4(address)) return undefined;
  const prefixLength = slash < 0 ? NaN : Number(value.slice(slash + 1));
  return { address, prefixLength: Number.isInteger(prefixLength) ? prefixLength : undefined };
}

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);

export function isIPv4(value: string | undefined): value is string {
  return !!value && IPV4.test(value);
}
