/**
 * Parsers for what a swarm load-balancing trace reads from a sandbox or a pasted bug report.
 * Every function here is pure and total: any text in, a result out, never an exception; lines
 * that are not understood are skipped and counted.
 */
export type * from './types';
export { parseIptablesSave, flattenRules } from './iptablesSave';
export { parseIptablesList } from './iptablesList';
export { parseIpvsadm } from './ipvsadm';
export { parseIpvsadmSave } from './ipvsadmSave';
export { parseProcIpVs } from './procIpVs';
export { parseIpvsConnections, type IpvsConnection, type IpvsConnectionsResult, type IpvsEndpoint } from './ipvsConnections';
export { parseIpvsTimeouts, parseIpvsSysctls, type IpvsTimeouts, type IpvsSysctls } from './ipvsSettings';
export { parseDnsAnswers } from './dns';
export { analyseDump, explainDump, foundAnything, type DumpAnalysis, type PoolState, type SkippedLine } from './explain';
export { explainToText } from './explainText';
export { decodeDump } from './input';
export { markToHex, parseMark, parseCount, parsePort, normaliseAddress } from './values';
