import type { FirewallMark } from './types';
import { hexMark } from '../parse/values';

/** 259 -> { decimal: 259, hex: '0x103' }; undefined for anything that cannot be a mark. */
export function firewallMark(value: number | undefined): FirewallMark | undefined {
  if (value === undefined || !Number.isInteger(value) || value <= 0 || value > 0xffffffff) return undefined;
  return { decimal: value, hex: hexMark(value) };
}

/** `0x103 (259)`, the form people search for in iptables and ipvsadm output alike. */
export function formatMark(mark: FirewallMark): string {
  return `${mark.hex} (${mark.decimal})`;
}
