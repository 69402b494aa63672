/**
 * Parsers for the fixed formats the probe prints from a sandbox (iptables-save, ipvsadm -Ln / -S,
 * /proc/net/ip_vs, dig, the IPVS connection table and settings). The trace and the check read
 * through these only; what a person pastes (prompts, Markdown, wrapped lines, iptables -nvL, ip
 * addr, inspect JSON) is read by src/core/explain, which builds on them.
 * Every function here is pure and total: any text in, a result out, never an exception; lines
 * that are not understood are skipped and counted.
 */
export type * from './types';
export { parseIptablesSave, flattenRules } from './iptablesSave';
export { parseIpvsadm, backendFields } from './ipvsadm';
export { parseIpvsadmSave } from './ipvsadmSave';
export { parseProcIpVs } from './procIpVs';
export { parseIpvsConnections, type IpvsConnection, type IpvsConnectionsResult, type IpvsEndpoint } from './ipvsConnections';
export { parseIpvsTimeouts, parseIpvsSysctls, type IpvsTimeouts, type IpvsSysctls } from './ipvsSettings';
export { parseDnsAnswers } from './dns';
export { markToHex, parseMark, parseCount, parsePort, normaliseAddress } from './values';
