// Tolerant readers for Engine API JSON: a field of the wrong type reads as missing, so older and
// newer engines (and garbage) never crash the snapshot.

export type Json = unknown;

export function obj(value: Json): Record<string, Json> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, Json>) : undefined;
}

export function at(value: Json, ...path: string[]): Json {
  let current = value;
  for (const key of path) {
    const o = obj(current);
    if (!o) return undefined;
    current = o[key];
  }
  return current;
}

export function str(value: Json, ...path: string[]): string | undefined {
  const v = at(value, ...path);
  return typeof v === 'string' ? v : undefined;
}

export function num(value: Json, ...path: string[]): number | undefined {
  const v = at(value, ...path);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function bool(value: Json, ...path: string[]): boolean {
  return at(value, ...path) === true;
}

export function arr(value: Json, ...path: string[]): Json[] {
  const v = at(value, ...path);
  return Array.isArray(v) ? v : [];
}

export function strMap(value: Json, ...path: string[]): Record<string, string> {
  const o = obj(at(value, ...path));
  const out: Record<string, string> = {};
  if (!o) return out;
  for (const [k, v] of Object.entries(o)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Splits `10.0.0.9/24` into address and prefix; undefined for anything that is not IPv4 CIDR or plain. */
export function splitCidr(value: string | undefined): { address: string; prefixLength?: number } | undefined {
  if (!value) return undefined;
  const [address, prefix] = value.split('/');
  if (!isIPv4(address)) return undefined;
  const prefixLength = prefix !== undefined ? Number(prefix) : undefined;
  return { address, prefixLength: prefixLength !== undefined && Number.isInteger(prefixLength) ? prefixLength : undefined };
}

export function isIPv4(value: string | undefined): value is string {
  if (!value) return false;
  const parts = value.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}
