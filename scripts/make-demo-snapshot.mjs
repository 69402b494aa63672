#!/usr/bin/env node
// Writes media/demo-snapshot.json: the demo cluster that ships with Swarm Lens, as if
// `swarm-lens collect` had saved it. Change the scenario below and run
//
//   node scripts/make-demo-snapshot.mjs            (writes media/demo-snapshot.json)
//   node scripts/make-demo-snapshot.mjs -o FILE    (writes FILE instead)
//   ... --with-lb-reads                            (also record the failed lb_<network> reads, see below)
//
// The cluster is the one of the seed article: Docker 18.03.1-ce on two nodes, so the LEGACY
// load-balancing layout (before 18.06): every task container holds its own VIP marks in the mangle
// OUTPUT chain and its own IPVS table; the routing mesh goes host DOCKER-INGRESS -> ingress_sbox.
// Everything derived (ids, MAC addresses, marks in hex, IPVS hex, dig message sizes) is computed
// here, so changing an address or a mark keeps every output consistent. Ids are hashes of names:
// the same scenario always gives the same file. Plain Node ESM, no dependencies.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

// ---------------------------------------------------------------------------------------------
// The scenario
// ---------------------------------------------------------------------------------------------

const TAKEN_AT = '2018-06-12T10:00:00Z';
const CLUSTER_NAME = 'seed-demo';
const ENGINE_ADDRESS = 'tcp://node1:2376';
const ENGINE_VERSION = '18.03.1-ce';
const API_VERSION = '1.37';
const KERNEL = '4.4.0-127-generic';
const OS = 'Ubuntu 16.04.4 LTS';
const NETNS_DIR = '/var/run/docker/netns';

/** Tools of the helper image (nicolaka/netshoot as of mid 2018) that ran the probe. */
const TOOLS = { iptables: 'v1.6.1', dig: '9.11.3' };

const NODES = [
  { name: 'node1', role: 'manager', leader: true, address: '10.10.0.11', hostIface: 'ens3', memory: 4143947776 },
  { name: 'node2', role: 'worker', leader: false, address: '10.10.0.12', hostIface: 'ens3', memory: 4143947776 },
];
/** The node whose engine answered the API calls (a manager: workers cannot list services). */
const API_NODE = 'node1';

const NETWORKS = [
  { name: 'ingress', subnet: '10.255.0.0/16', gateway: '10.255.0.1', vxlan: 4096, ingress: true, attachable: false, created: '2018-06-11T09:04:02.113284573Z' },
  { name: 'overlay1', subnet: '10.0.0.0/24', gateway: '10.0.0.1', vxlan: 4097, ingress: false, attachable: true, created: '2018-06-12T09:30:41.571906242Z' },
];
const GWBRIDGE = { subnet: '172.18.0.0/16', gateway: '172.18.0.1' };
const DOCKER0 = { subnet: '172.17.0.0/16', gateway: '172.17.0.1' };

const VOTE_IMAGE = `dockersamples/examplevotingapp_vote:before@sha256:${hex64('image:examplevotingapp_vote:before')}`;
const CLIENT_IMAGE = `alpine:3.7@sha256:${hex64('image:alpine:3.7')}`;

/** Services in creation order; `vips` per network (dnsrr services have none). */
const SERVICES = [
  { name: 'client', image: CLIENT_IMAGE, args: ['sleep', '1d'], endpointMode: 'vip', replicas: 1, networks: ['overlay1'], vips: { overlay1: '10.0.0.2' }, createdAt: '2018-06-12T09:31:05.287351028Z' },
  { name: 'votedns', image: VOTE_IMAGE, endpointMode: 'dnsrr', replicas: 2, networks: ['overlay1'], vips: {}, createdAt: '2018-06-12T09:33:48.902117643Z' },
  { name: 'vote', image: VOTE_IMAGE, endpointMode: 'vip', replicas: 2, networks: ['overlay1'], vips: { overlay1: '10.0.0.9' }, createdAt: '2018-06-12T09:36:12.440958211Z' },
  {
    name: 'voteweb', image: VOTE_IMAGE, endpointMode: 'vip', replicas: 2, networks: ['overlay1'], vips: { ingress: '10.255.0.4', overlay1: '10.0.0.13' },
    ports: [{ protocol: 'tcp', targetPort: 80, publishedPort: 8080, publishMode: 'ingress' }], createdAt: '2018-06-12T09:39:27.015562874Z',
  },
];

/** Tasks: where they run and their addresses per network (voteweb is on ingress too: it publishes a port). */
const TASKS = [
  { service: 'client', slot: 1, node: 'node2', ips: { overlay1: '10.0.0.3' } },
  { service: 'votedns', slot: 1, node: 'node1', ips: { overlay1: '10.0.0.5' } },
  { service: 'votedns', slot: 2, node: 'node2', ips: { overlay1: '10.0.0.6' } },
  { service: 'vote', slot: 1, node: 'node2', ips: { overlay1: '10.0.0.10' } },
  { service: 'vote', slot: 2, node: 'node1', ips: { overlay1: '10.0.0.11' } },
  { service: 'voteweb', slot: 1, node: 'node1', ips: { ingress: '10.255.0.5', overlay1: '10.0.0.14' } },
  { service: 'voteweb', slot: 2, node: 'node2', ips: { ingress: '10.255.0.6', overlay1: '10.0.0.15' } },
];

/**
 * Firewall marks (LocalLBIndex) per node and (service, network). Each dockerd counts from 256 the
 * first time it sees a pair; dnsrr services take a number too. Both daemons saw the same history
 * (256 went to a service removed before this demo), so the numbers agree here; they need not.
 * The verbose network inspect in `raw` reports them as the API node sees them (node-local, like its
 * Containers); Swarm Lens attributes them to that node, so if the numbers of the dumped nodes
 * differed from the API node's, their traces would rightly warn that a mark differs from LocalLBIndex.
 */
const MARKS = {
  node1: { 'client/overlay1': 257, 'votedns/overlay1': 258, 'vote/overlay1': 259, 'voteweb/overlay1': 260, 'voteweb/ingress': 261 },
  node2: { 'client/overlay1': 257, 'votedns/overlay1': 258, 'vote/overlay1': 259, 'voteweb/overlay1': 260, 'voteweb/ingress': 261 },
};

/** Each node's ingress_sbox endpoint on the ingress network (and, like every sandbox, .2 on docker_gwbridge first). */
const INGRESS_SBOX = { node1: '10.255.0.3', node2: '10.255.0.2' };

/** IPVS connection counters per sandbox (task name, or <node>/ingress_sbox): backend -> [ActiveConn, InActConn]; the rest 0. */
const CONNECTIONS = {
  'client.1': { '10.0.0.10': [0, 3], '10.0.0.11': [0, 2], '10.0.0.15': [0, 1] },
  'node2/ingress_sbox': { '10.255.0.5': [0, 1], '10.255.0.6': [1, 1] },
  'node1/ingress_sbox': { '10.255.0.5': [0, 2], '10.255.0.6': [0, 1] },
};

/** DNS names whose task addresses the embedded DNS happened to return in reverse task order. */
const SHUFFLED_ANSWERS = new Set(['votedns', 'tasks.voteweb']);

/** Node dumps, in this order: the first one is the node a trace reads when it is not told otherwise. */
const DUMPS = [
  { node: 'node2', dnsFromService: 'client' },
  { node: 'node1', dnsFromService: 'vote' },
];

/**
 * `collect` also asks for lb_<network id> sandboxes, which 18.03 does not have (nsenter cannot open
 * them). `--with-lb-reads` records those failed reads too. Off by default because Swarm Lens then
 * warns "node2 has no load-balancer sandbox for overlay1" on this healthy legacy cluster.
 */
const RECORD_MISSING_LB_SANDBOXES = process.argv.includes('--with-lb-reads');

// ---------------------------------------------------------------------------------------------
// Ids, names and small helpers
// ---------------------------------------------------------------------------------------------

function sha(label) {
  return createHash('sha256').update(`swarm-lens demo/${label}`).digest('hex');
}
/** 64 hex digits: container, endpoint and sandbox ids, image digests. */
function hex64(label) {
  return sha(label);
}
/** 25 lowercase base-36 characters, as swarmkit writes node, service, task and network ids. */
function id25(label) {
  return BigInt('0x' + sha(label).slice(0, 32)).toString(36).padStart(25, '0');
}

const nodeByName = new Map(NODES.map((n) => [n.name, n]));
const networkByName = new Map(NETWORKS.map((n) => [n.name, n]));
const serviceByName = new Map(SERVICES.map((s) => [s.name, s]));

const clusterId = id25('cluster');
const nodeId = (name) => id25(`node:${name}`);
const networkId = (name) => id25(`network:${name}`);
const serviceId = (name) => id25(`service:${name}`);
const taskId = (t) => id25(`task:${t.service}.${t.slot}`);
const taskName = (t) => `${t.service}.${t.slot}`;
/** Docker names a task's container `<service>.<slot>.<task id>`. */
const containerName = (t) => `${taskName(t)}.${taskId(t)}`;
const containerId = (t) => hex64(`container:${taskName(t)}`);
const endpointId = (t, net) => hex64(`endpoint:${taskName(t)}:${net}`);
/** SandboxKey: the netns file is named after the first 12 characters of the sandbox id. */
const sandboxKey = (t) => `${NETNS_DIR}/${hex64(`sandbox:${taskName(t)}`).slice(0, 12)}`;

const prefixOf = (cidr) => Number(cidr.split('/')[1]);
const ipToInt = (ip) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const broadcastOf = (cidr) => {
  const [ip, len] = cidr.split('/');
  const host = 2 ** (32 - Number(len)) - 1;
  const b = (ipToInt(ip) | host) >>> 0;
  return [b >>> 24, (b >>> 16) & 255, (b >>> 8) & 255, b & 255].join('.');
};
const macOf = (ip) => '02:42:' + ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0')).join(':');
const hexIp = (ip) => ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0').toUpperCase()).join('');
const pad = (s, n) => String(s).padEnd(n);

/** Time stamps: RFC 3339 with nanoseconds for the Engine API (`later`), `date`-style for the tools. */
function nanosOf(iso) {
  const m = /^(.*?)(?:\.(\d+))?Z$/.exec(iso);
  return BigInt(Date.parse(`${m[1]}Z`)) * 1000000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}
/** `iso` plus `seconds`, with a few sub-millisecond digits from `label` so stamps look measured. */
function later(iso, seconds, label) {
  const ns = nanosOf(iso) + BigInt(Math.round(seconds * 1e6)) * 1000n + BigInt(pick(`t:${label}`, 0, 999999));
  return `${new Date(Number(ns / 1000000n)).toISOString().slice(0, 19)}.${String(ns % 1000000000n).padStart(9, '0')}Z`;
}
function toolDate(iso, plusSeconds = 0, utc = false) {
  const d = new Date(Date.parse(iso) + plusSeconds * 1000);
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()];
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  const time = d.toISOString().slice(11, 19);
  return `${day} ${mon} ${String(d.getUTCDate()).padStart(2, ' ')} ${time}${utc ? ' UTC' : ''} ${d.getUTCFullYear()}`;
}
/** A small deterministic number in [lo, hi] for counters and ports, from a label. */
function pick(label, lo, hi) {
  return lo + (parseInt(sha(`n:${label}`).slice(0, 8), 16) % (hi - lo + 1));
}

const tasksOn = (node) => TASKS.filter((t) => t.node === node);
/** Every container and sandbox on a node gets the next docker_gwbridge address; ingress_sbox comes first. */
function gwbridgeIps(node) {
  const ips = new Map([['ingress_sbox', '172.18.0.2']]);
  tasksOn(node).sort((a, b) => order(a) - order(b)).forEach((t, i) => ips.set(taskName(t), `172.18.0.${3 + i}`));
  return ips;
}
const order = (t) => TASKS.indexOf(t);

// ---------------------------------------------------------------------------------------------
// Engine API answers (API 1.37)
// ---------------------------------------------------------------------------------------------

// The swarm CA of this demo (a real self-signed P-256 certificate made for it, CN=swarm-ca, 2018-2038).
const TLS_INFO = {
  TrustRoot:
    '-----BEGIN CERTIFICATE-----\nMIIBazCCARCgAwIBAgIUPxyaC24tSHehXAPZ6LJPYSDH1aswCgYIKoZIzj0EAwIw\nEzERMA8GA1UEAxMIc3dhcm0tY2EwHhcNMTgwNjExMDkwNDAwWhcNMzgwNjA2MDkw\nNDAwWjATMREwDwYDVQQDEwhzd2FybS1jYTBZMBMGByqGSM49AgEGCCqGSM49AwEH\nA0IABCDmOVBM+EvC3M9pTuBTw+qDzBc2MstJllA7wRR2r0TYMGXcSLJeqWvKeO0M\nF6cSFlSHgrWQtfM5Mz6xYJdhoFmjQjBAMA4GA1UdDwEB/wQEAwIBBjAPBgNVHRMB\nAf8EBTADAQH/MB0GA1UdDgQWBBRn818k0DvVEE+/GY1dSCQ0xyYOpzAKBggqhkjO\nPQQDAgNJADBGAiEA8IFTABiz1eJJzuoKr62BXNG3EHMUF9nGgwFeTw0+VRECIQDx\n0YpMVM8xOJIbVE/rKGPg7pu98FOI9/EmIANj1UFqrw==\n-----END CERTIFICATE-----\n',
  CertIssuerSubject: 'MBMxETAPBgNVBAMTCHN3YXJtLWNh',
  CertIssuerPublicKey: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEIOY5UEz4S8Lcz2lO4FPD6oPMFzYyy0mWUDvBFHavRNgwZdxIsl6pa8p47QwXpxIWVIeCtZC18zkzPrFgl2GgWQ==',
};
const SWARM_CREATED = '2018-06-11T09:04:01.662540913Z';

function info() {
  const node = nodeByName.get(API_NODE);
  const managers = NODES.filter((n) => n.role === 'manager');
  const containers = tasksOn(API_NODE).length;
  return {
    ID: 'K7QH:3XWV:R2MZ:PB4D:YJ6S:VKUN:E5LT:HQ2G:ZC7A:M4XF:W3OJ:DN6R',
    Containers: containers,
    ContainersRunning: containers,
    ContainersPaused: 0,
    ContainersStopped: 0,
    Images: 3,
    Driver: 'overlay2',
    DriverStatus: [['Backing Filesystem', 'extfs'], ['Supports d_type', 'true'], ['Native Overlay Diff', 'true']],
    SystemStatus: null,
    Plugins: {
      Volume: ['local'],
      Network: ['bridge', 'host', 'macvlan', 'null', 'overlay'],
      Authorization: null,
      Log: ['awslogs', 'fluentd', 'gcplogs', 'gelf', 'journald', 'json-file', 'logentries', 'splunk', 'syslog'],
    },
    MemoryLimit: true,
    SwapLimit: false,
    KernelMemory: true,
    CpuCfsPeriod: true,
    CpuCfsQuota: true,
    CPUShares: true,
    CPUSet: true,
    IPv4Forwarding: true,
    BridgeNfIptables: true,
    BridgeNfIp6tables: true,
    Debug: false,
    NFd: 71,
    OomKillDisable: true,
    NGoroutines: 196,
    SystemTime: later(TAKEN_AT, 0.04, 'systemtime'),
    LoggingDriver: 'json-file',
    CgroupDriver: 'cgroupfs',
    NEventsListener: 0,
    KernelVersion: KERNEL,
    OperatingSystem: OS,
    OSType: 'linux',
    Architecture: 'x86_64',
    IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: {
      AllowNondistributableArtifactsCIDRs: [],
      AllowNondistributableArtifactsHostnames: [],
      InsecureRegistryCIDRs: ['127.0.0.0/8'],
      IndexConfigs: { 'docker.io': { Name: 'docker.io', Mirrors: [], Secure: true, Official: true } },
      Mirrors: [],
    },
    NCPU: 2,
    MemTotal: node.memory,
    GenericResources: null,
    DockerRootDir: '/var/lib/docker',
    HttpProxy: '',
    HttpsProxy: '',
    NoProxy: '',
    Name: node.name,
    Labels: [],
    ExperimentalBuild: false,
    ServerVersion: ENGINE_VERSION,
    ClusterStore: '',
    ClusterAdvertise: '',
    Runtimes: { runc: { path: 'docker-runc' } },
    DefaultRuntime: 'runc',
    Swarm: {
      NodeID: nodeId(node.name),
      NodeAddr: node.address,
      LocalNodeState: 'active',
      ControlAvailable: node.role === 'manager',
      Error: '',
      RemoteManagers: managers.map((m) => ({ NodeID: nodeId(m.name), Addr: `${m.address}:2377` })),
      Nodes: NODES.length,
      Managers: managers.length,
      Cluster: {
        ID: clusterId,
        Version: { Index: 11 },
        CreatedAt: SWARM_CREATED,
        UpdatedAt: '2018-06-11T09:04:02.206189745Z',
        Spec: {
          Name: 'default',
          Labels: {},
          Orchestration: { TaskHistoryRetentionLimit: 5 },
          Raft: { SnapshotInterval: 10000, KeepOldSnapshots: 0, LogEntriesForSlowFollowers: 500, ElectionTick: 10, HeartbeatTick: 1 },
          Dispatcher: { HeartbeatPeriod: 5000000000 },
          CAConfig: { NodeCertExpiry: 7776000000000000 },
          TaskDefaults: {},
          EncryptionConfig: { AutoLockManagers: false },
        },
        TLSInfo: TLS_INFO,
        RootRotationInProgress: false,
      },
    },
    LiveRestoreEnabled: false,
    Isolation: '',
    InitBinary: 'docker-init',
    ContainerdCommit: { ID: '773c489c9c1b21a6d78b5c538cd395416ec50f88', Expected: '773c489c9c1b21a6d78b5c538cd395416ec50f88' },
    RuncCommit: { ID: '4fc53a81fb7c994640722ac585fa9ca548971871', Expected: '4fc53a81fb7c994640722ac585fa9ca548971871' },
    InitCommit: { ID: '949e6fa', Expected: '949e6fa' },
    SecurityOptions: ['name=apparmor', 'name=seccomp,profile=default'],
  };
}

function version() {
  const details = {
    ApiVersion: API_VERSION,
    Arch: 'amd64',
    BuildTime: '2018-04-26T07:15:30.000000000+00:00',
    Experimental: 'false',
    GitCommit: '9ee9f40',
    GoVersion: 'go1.9.5',
    KernelVersion: KERNEL,
    MinAPIVersion: '1.12',
    Os: 'linux',
  };
  return {
    Platform: { Name: '' },
    Components: [{ Name: 'Engine', Version: ENGINE_VERSION, Details: details }],
    Version: ENGINE_VERSION,
    ApiVersion: API_VERSION,
    MinAPIVersion: '1.12',
    GitCommit: '9ee9f40',
    GoVersion: 'go1.9.5',
    Os: 'linux',
    Arch: 'amd64',
    KernelVersion: KERNEL,
    BuildTime: '2018-04-26T07:15:30.000000000+00:00',
  };
}

function nodes() {
  const plugins = [
    ...['awslogs', 'fluentd', 'gcplogs', 'gelf', 'journald', 'json-file', 'logentries', 'splunk', 'syslog'].map((Name) => ({ Type: 'Log', Name })),
    ...['bridge', 'host', 'macvlan', 'null', 'overlay'].map((Name) => ({ Type: 'Network', Name })),
    { Type: 'Volume', Name: 'local' },
  ];
  return NODES.map((n, i) => ({
    ID: nodeId(n.name),
    Version: { Index: 9 + i * 12 },
    CreatedAt: later(SWARM_CREATED, i * 1380, `node:${n.name}:created`),
    UpdatedAt: later(SWARM_CREATED, i * 1380 + 1.2, `node:${n.name}:updated`),
    Spec: { Labels: {}, Role: n.role, Availability: 'active' },
    Description: {
      Hostname: n.name,
      Platform: { Architecture: 'x86_64', OS: 'linux' },
      Resources: { NanoCPUs: 2000000000, MemoryBytes: n.memory },
      Engine: { EngineVersion: ENGINE_VERSION, Plugins: plugins },
      TLSInfo: TLS_INFO,
    },
    Status: { State: 'ready', Addr: n.address },
    ...(n.role === 'manager' ? { ManagerStatus: { Leader: n.leader, Reachability: 'reachable', Addr: `${n.address}:2377` } } : {}),
  }));
}

/** The network as GET /networks lists it (and as the verbose inspect starts). */
function networkBase(net) {
  return {
    Name: net.name,
    Id: networkId(net.name),
    Created: net.created,
    Scope: 'swarm',
    Driver: 'overlay',
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: null, Config: [{ Subnet: net.subnet, Gateway: net.gateway }] },
    Internal: false,
    Attachable: net.attachable,
    Ingress: net.ingress,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: {},
    Options: { 'com.docker.network.driver.overlay.vxlanid_list': String(net.vxlan) },
    Labels: {},
  };
}

function localNetwork(name, driver, ipam, options) {
  return {
    Name: name,
    Id: hex64(`network:${API_NODE}:${name}`),
    Created: name === 'docker_gwbridge' ? '2018-06-11T09:04:02.331059226Z' : '2018-06-11T08:52:17.948122037Z',
    Scope: 'local',
    Driver: driver,
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: null, Config: ipam ? [{ Subnet: ipam.subnet, Gateway: ipam.gateway }] : [] },
    Internal: false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: {},
    Options: options,
    Labels: {},
  };
}

function networks() {
  return [
    localNetwork('bridge', 'bridge', DOCKER0, {
      'com.docker.network.bridge.default_bridge': 'true',
      'com.docker.network.bridge.enable_icc': 'true',
      'com.docker.network.bridge.enable_ip_masquerade': 'true',
      'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
      'com.docker.network.bridge.name': 'docker0',
      'com.docker.network.driver.mtu': '1500',
    }),
    localNetwork('docker_gwbridge', 'bridge', GWBRIDGE, {
      'com.docker.network.bridge.enable_icc': 'false',
      'com.docker.network.bridge.enable_ip_masquerade': 'true',
      'com.docker.network.bridge.name': 'docker_gwbridge',
    }),
    localNetwork('host', 'host', null, {}),
    ...NETWORKS.map(networkBase),
    localNetwork('none', 'null', null, {}),
  ];
}

/** The part of a network that a task attachment and the service spec repeat. */
function attachmentNetwork(net) {
  return {
    ID: networkId(net.name),
    Version: { Index: net.ingress ? 6 : 24 },
    CreatedAt: net.created,
    UpdatedAt: net.created,
    Spec: {
      Name: net.name,
      Labels: {},
      DriverConfiguration: net.ingress ? {} : { Name: 'overlay' },
      ...(net.ingress ? { Ingress: true } : { Attachable: net.attachable }),
      IPAMOptions: { Driver: {}, ...(net.ingress ? { Configs: [{ Subnet: net.subnet, Gateway: net.gateway }] } : {}) },
      Scope: 'swarm',
    },
    DriverState: { Name: 'overlay', Options: { 'com.docker.network.driver.overlay.vxlanid_list': String(net.vxlan) } },
    IPAMOptions: { Driver: { Name: 'default' }, Configs: [{ Subnet: net.subnet, Gateway: net.gateway }] },
  };
}

function containerSpec(s) {
  return { Image: s.image, ...(s.args ? { Args: s.args } : {}), StopGracePeriod: 10000000000, DNSConfig: {}, Isolation: 'default' };
}
const RESOURCES = { Limits: {}, Reservations: {} };
const RESTART = { Condition: 'any', Delay: 5000000000, MaxAttempts: 0 };
const PLACEMENT = { Platforms: [{ Architecture: 'amd64', OS: 'linux' }] };
const UPDATE = { Parallelism: 1, FailureAction: 'pause', Monitor: 5000000000, MaxFailureRatio: 0, Order: 'stop-first' };

function services() {
  return SERVICES.map((s, i) => {
    const endpointSpec = { Mode: s.endpointMode, ...(s.ports ? { Ports: s.ports.map(portJson) } : {}) };
    const vips = Object.entries(s.vips).map(([net, ip]) => ({ NetworkID: networkId(net), Addr: `${ip}/${prefixOf(networkByName.get(net).subnet)}` }));
    // ingress first, as the engine lists it for a service that publishes a port
    vips.sort((a, b) => Number(b.NetworkID === networkId('ingress')) - Number(a.NetworkID === networkId('ingress')));
    return {
      ID: serviceId(s.name),
      Version: { Index: 31 + i * 14 },
      CreatedAt: s.createdAt,
      UpdatedAt: later(s.createdAt, 0.05, `service:${s.name}:updated`),
      Spec: {
        Name: s.name,
        Labels: {},
        TaskTemplate: {
          ContainerSpec: containerSpec(s),
          Resources: RESOURCES,
          RestartPolicy: RESTART,
          Placement: PLACEMENT,
          Networks: s.networks.map((n) => ({ Target: networkId(n) })),
          ForceUpdate: 0,
          Runtime: 'container',
        },
        Mode: { Replicated: { Replicas: s.replicas } },
        UpdateConfig: UPDATE,
        RollbackConfig: UPDATE,
        EndpointSpec: endpointSpec,
      },
      Endpoint: {
        Spec: endpointSpec,
        ...(s.ports ? { Ports: s.ports.map(portJson) } : {}),
        ...(vips.length ? { VirtualIPs: vips } : {}),
      },
      // No ServiceStatus: API 1.37 ignores ?status=true (it came with 1.41).
    };
  });
}

function portJson(p) {
  return { Protocol: p.protocol, TargetPort: p.targetPort, PublishedPort: p.publishedPort, PublishMode: p.publishMode };
}

/** A task's networks: ingress first when it publishes a port, then the service's networks. */
function taskNetworks(t) {
  return NETWORKS.filter((n) => t.ips[n.name]).sort((a, b) => Number(b.ingress) - Number(a.ingress));
}

function tasks() {
  return TASKS.map((t) => {
    const s = serviceByName.get(t.service);
    const created = later(s.createdAt, 0.02 + t.slot * 0.003, `task:${taskName(t)}:created`);
    const started = later(s.createdAt, 3.4 + t.slot * 0.6, `task:${taskName(t)}:started`);
    return {
      ID: taskId(t),
      Version: { Index: 36 + order(t) * 7 },
      CreatedAt: created,
      UpdatedAt: started,
      Labels: {},
      Spec: {
        ContainerSpec: containerSpec(s),
        Resources: RESOURCES,
        RestartPolicy: RESTART,
        Placement: PLACEMENT,
        Networks: s.networks.map((n) => ({ Target: networkId(n) })),
        ForceUpdate: 0,
      },
      ServiceID: serviceId(s.name),
      Slot: t.slot,
      NodeID: nodeId(t.node),
      Status: {
        Timestamp: started,
        State: 'running',
        Message: 'started',
        ContainerStatus: { ContainerID: containerId(t), PID: pick(`pid:${taskName(t)}`, 2100, 9800), ExitCode: 0 },
        PortStatus: {},
      },
      DesiredState: 'running',
      NetworksAttachments: taskNetworks(t).map((net) => ({
        Network: attachmentNetwork(net),
        Addresses: [`${t.ips[net.name]}/${prefixOf(net.subnet)}`],
      })),
    };
  });
}

/** GET /networks/{id}?verbose=true as `viewNode` answers it: its own containers and its own marks. */
function verboseNetwork(net, viewNode) {
  const local = tasksOn(viewNode).filter((t) => t.ips[net.name]).sort((a, b) => containerId(a).localeCompare(containerId(b)));
  const containers = Object.fromEntries(
    local.map((t) => [
      containerId(t),
      { Name: containerName(t), EndpointID: endpointId(t, net.name), MacAddress: macOf(t.ips[net.name]), IPv4Address: `${t.ips[net.name]}/${prefixOf(net.subnet)}`, IPv6Address: '' },
    ]),
  );
  if (net.ingress) {
    const ip = INGRESS_SBOX[viewNode];
    containers['ingress-sbox'] = { Name: 'ingress-endpoint', EndpointID: hex64(`endpoint:ingress-sbox:${viewNode}`), MacAddress: macOf(ip), IPv4Address: `${ip}/${prefixOf(net.subnet)}`, IPv6Address: '' };
  }
  const services = {};
  if (net.ingress) {
    // The ingress endpoints of every node are announced under an empty service name.
    services[''] = {
      VIP: '<nil>',
      Ports: [],
      LocalLBIndex: 0,
      Tasks: NODES.map((n) => ({ Name: 'ingress-endpoint', EndpointID: hex64(`endpoint:ingress-sbox:${n.name}`), EndpointIP: INGRESS_SBOX[n.name], Info: { 'Host IP': n.address } })),
    };
  }
  for (const s of SERVICES) {
    const own = TASKS.filter((t) => t.service === s.name && t.ips[net.name]);
    if (own.length === 0) continue;
    services[s.name] = {
      VIP: s.vips[net.name] ?? '<nil>',
      Ports: net.ingress && s.ports ? s.ports.map((p) => `Target: ${p.targetPort}, Publish: ${p.publishedPort}`) : [],
      LocalLBIndex: MARKS[viewNode][`${s.name}/${net.name}`],
      Tasks: own.map((t) => ({ Name: containerName(t), EndpointID: endpointId(t, net.name), EndpointIP: t.ips[net.name], Info: { 'Host IP': nodeByName.get(t.node).address } })),
    };
  }
  return {
    ...networkBase(net),
    // when this node first attached to the network (it joined the swarm, or its first task there started)
    Created: viewNode === API_NODE ? net.created : later(net.created, net.ingress ? 1383 : 24.5, `network:${net.name}:${viewNode}`),
    Containers: containers,
    Peers: NODES.map((n) => ({ Name: `${n.name}-${hex64(`peer:${n.name}`).slice(0, 12)}`, IP: n.address })),
    Services: services,
  };
}

// ---------------------------------------------------------------------------------------------
// What the probe reads in a sandbox (the tools' own output formats)
// ---------------------------------------------------------------------------------------------

/** One IPVS service per (service, network) with a VIP on these networks, as this node numbered it, in one sandbox. */
function lbPools(node, networkNames, sandbox) {
  const pools = [];
  for (const s of SERVICES) {
    for (const net of networkNames) {
      const vip = s.vips[net];
      if (!vip) continue;
      const backends = TASKS.filter((t) => t.service === s.name && t.ips[net]).map((t) => {
        const [active, inactive] = CONNECTIONS[sandbox]?.[t.ips[net]] ?? [0, 0];
        return { ip: t.ips[net], weight: 1, active, inactive };
      });
      pools.push({ service: s.name, network: net, vip, mark: MARKS[node][`${s.name}/${net}`], backends });
    }
  }
  return pools;
}

const hexMark = (mark) => '0x' + mark.toString(16);

/** iptables-save: tables of [name, chains, rules]; builtin chains carry policy counters. */
function iptablesSave(when, tables) {
  const stamp = toolDate(when);
  const out = [];
  for (const t of tables) {
    out.push(`# Generated by iptables-save ${TOOLS.iptables} on ${stamp}`, `*${t.name}`);
    for (const [chain, policy, counters] of t.chains) out.push(`:${chain} ${policy} [${counters ?? '0:0'}]`);
    out.push(...t.rules, 'COMMIT', `# Completed on ${stamp}`);
  }
  return out.join('\n');
}

function counters(label, packets) {
  const p = pick(label, packets[0], packets[1]);
  return `${p}:${p * pick(`${label}:b`, 58, 96)}`;
}

/** Builtin mangle chains with policy counters: what arrives is delivered (INPUT) or routed on (FORWARD). */
function mangleChains(label, traffic, forwarded = [0, 0]) {
  const cnt = (what, range) => {
    if (range[1] === 0) return [0, 0];
    const p = pick(`${label}:${what}`, range[0], range[1]);
    return [p, p * pick(`${label}:${what}:b`, 58, 96)];
  };
  const [inP, inB] = cnt('in', traffic);
  const [outP, outB] = cnt('out', traffic);
  const [fwP, fwB] = cnt('fwd', forwarded);
  return [
    ['PREROUTING', 'ACCEPT', `${inP + fwP}:${inB + fwB}`],
    ['INPUT', 'ACCEPT', `${inP}:${inB}`],
    ['FORWARD', 'ACCEPT', `${fwP}:${fwB}`],
    ['OUTPUT', 'ACCEPT', `${outP}:${outB}`],
    ['POSTROUTING', 'ACCEPT', `${outP + fwP}:${outB + fwB}`],
  ];
}

/** The embedded DNS rules dockerd writes in every sandbox on a user-defined network (random ports). */
function dnsRules(label) {
  const tcp = pick(`dns:tcp:${label}`, 33000, 46999);
  const udp = pick(`dns:udp:${label}`, 47000, 60999);
  return {
    output: '-A OUTPUT -d 127.0.0.11/32 -j DOCKER_OUTPUT',
    postrouting: '-A POSTROUTING -d 127.0.0.11/32 -j DOCKER_POSTROUTING',
    chains: [
      `-A DOCKER_OUTPUT -d 127.0.0.11/32 -p tcp -m tcp --dport 53 -j DNAT --to-destination 127.0.0.11:${tcp}`,
      `-A DOCKER_OUTPUT -d 127.0.0.11/32 -p udp -m udp --dport 53 -j DNAT --to-destination 127.0.0.11:${udp}`,
      `-A DOCKER_POSTROUTING -s 127.0.0.11/32 -p tcp -m tcp --sport ${tcp} -j SNAT --to-source :53`,
      `-A DOCKER_POSTROUTING -s 127.0.0.11/32 -p udp -m udp --sport ${udp} -j SNAT --to-source :53`,
    ],
  };
}

/**
 * A task container's rules in the 18.03 layout (libnetwork fwMarker and redirecter): per VIP a
 * mangle OUTPUT MARK and a nat OUTPUT ICMP-echo DNAT (pinging a VIP answers locally), one
 * `-m ipvs --ipvs` SNAT to the task's own address, and for a task on ingress the REDIRECT of the
 * published port plus filter rules that only let the target port in.
 */
function taskIptables(t, pools, when) {
  const label = taskName(t);
  const overlay = NETWORKS.find((n) => !n.ingress && t.ips[n.name]);
  const dns = dnsRules(label);
  const s = serviceByName.get(t.service);
  const ingressIp = t.ips.ingress;
  const mangle = { name: 'mangle', chains: mangleChains(label, [2400, 61000]), rules: pools.map((p) => `-A OUTPUT -d ${p.vip}/32 -j MARK --set-xmark ${hexMark(p.mark)}/0xffffffff`) };
  const natPre = ingressIp ? s.ports.map((p) => `-A PREROUTING -d ${ingressIp}/32 -p ${p.protocol} -m ${p.protocol} --dport ${p.publishedPort} -j REDIRECT --to-ports ${p.targetPort}`) : [];
  const nat = {
    name: 'nat',
    chains: [
      ['PREROUTING', 'ACCEPT', ingressIp ? counters(`${label}:natpre`, [40, 900]) : '0:0'],
      ['INPUT', 'ACCEPT', ingressIp ? counters(`${label}:natin`, [40, 900]) : '0:0'],
      ['OUTPUT', 'ACCEPT', counters(`${label}:natout`, [60, 1400])],
      ['POSTROUTING', 'ACCEPT', counters(`${label}:natpost`, [60, 1400])],
      ['DOCKER_OUTPUT', '-'],
      ['DOCKER_POSTROUTING', '-'],
    ],
    rules: [
      ...natPre,
      dns.output,
      ...pools.map((p) => `-A OUTPUT -d ${p.vip}/32 -p icmp -m icmp --icmp-type 8 -j DNAT --to-destination 127.0.0.1`),
      dns.postrouting,
      ...(pools.length ? [`-A POSTROUTING -d ${overlay.subnet} -m ipvs --ipvs -j SNAT --to-source ${t.ips[overlay.name]}`] : []),
      ...dns.chains,
    ],
  };
  const filterRules = [];
  if (ingressIp) {
    for (const p of s.ports) filterRules.push(`-A INPUT -d ${ingressIp}/32 -p ${p.protocol} -m ${p.protocol} --dport ${p.targetPort} -m conntrack --ctstate NEW,ESTABLISHED -j ACCEPT`);
    filterRules.push(`-A INPUT -d ${ingressIp}/32 -p udp -j DROP`, `-A INPUT -d ${ingressIp}/32 -p tcp -j DROP`);
    for (const p of s.ports) filterRules.push(`-A OUTPUT -s ${ingressIp}/32 -p ${p.protocol} -m ${p.protocol} --sport ${p.targetPort} -m conntrack --ctstate ESTABLISHED -j ACCEPT`);
    filterRules.push(`-A OUTPUT -s ${ingressIp}/32 -p udp -j DROP`, `-A OUTPUT -s ${ingressIp}/32 -p tcp -j DROP`);
  }
  const filter = {
    name: 'filter',
    chains: [['INPUT', 'ACCEPT', counters(`${label}:fin`, [2400, 61000])], ['FORWARD', 'ACCEPT'], ['OUTPUT', 'ACCEPT', counters(`${label}:fout`, [2400, 61000])]],
    rules: filterRules,
  };
  return iptablesSave(when, [mangle, nat, filter]);
}

/** ingress_sbox in 18.03: PREROUTING mark per published port, the ingress VIP marked in OUTPUT, IPVS SNAT to itself. */
function ingressIptables(node, pools, when) {
  const label = `${node}:ingress_sbox`;
  const ingress = networkByName.get('ingress');
  const dns = dnsRules(label);
  const mangleRules = [];
  const natOutput = [dns.output];
  for (const p of pools) {
    for (const port of serviceByName.get(p.service).ports ?? []) {
      mangleRules.push(`-A PREROUTING -p ${port.protocol} -m ${port.protocol} --dport ${port.publishedPort} -j MARK --set-xmark ${hexMark(p.mark)}/0xffffffff`);
    }
  }
  for (const p of pools) {
    mangleRules.push(`-A OUTPUT -d ${p.vip}/32 -j MARK --set-xmark ${hexMark(p.mark)}/0xffffffff`);
    natOutput.push(`-A OUTPUT -d ${p.vip}/32 -p icmp -m icmp --icmp-type 8 -j DNAT --to-destination 127.0.0.1`);
  }
  const mangle = { name: 'mangle', chains: mangleChains(label, [300, 9000], [40, 900]), rules: mangleRules };
  const nat = {
    name: 'nat',
    chains: [
      ['PREROUTING', 'ACCEPT', counters(`${label}:natpre`, [20, 400])],
      ['INPUT', 'ACCEPT', '0:0'],
      ['OUTPUT', 'ACCEPT', '0:0'],
      ['POSTROUTING', 'ACCEPT', counters(`${label}:natpost`, [20, 400])],
      ['DOCKER_OUTPUT', '-'],
      ['DOCKER_POSTROUTING', '-'],
    ],
    rules: [...natOutput, dns.postrouting, `-A POSTROUTING -d ${ingress.subnet} -m ipvs --ipvs -j SNAT --to-source ${INGRESS_SBOX[node]}`, ...dns.chains],
  };
  const filter = { name: 'filter', chains: [['INPUT', 'ACCEPT', counters(`${label}:fin`, [300, 9000])], ['FORWARD', 'ACCEPT', counters(`${label}:ffwd`, [300, 9000])], ['OUTPUT', 'ACCEPT', counters(`${label}:fout`, [300, 9000])]], rules: [] };
  return iptablesSave(when, [mangle, nat, filter]);
}

/** The host namespace of a node running 18.03: DOCKER-INGRESS DNATs published ports to ingress_sbox on docker_gwbridge. */
function hostIptables(node, when) {
  const label = `${node}:host`;
  const published = SERVICES.flatMap((s) => (s.ports ?? []).filter((p) => p.publishMode === 'ingress'));
  const mangle = { name: 'mangle', chains: mangleChains(label, [180000, 2900000], [9000, 160000]), rules: [] };
  const nat = {
    name: 'nat',
    chains: [
      ['PREROUTING', 'ACCEPT', counters(`${label}:natpre`, [1500, 26000])],
      ['INPUT', 'ACCEPT', counters(`${label}:natin`, [400, 9000])],
      ['OUTPUT', 'ACCEPT', counters(`${label}:natout`, [2000, 30000])],
      ['POSTROUTING', 'ACCEPT', counters(`${label}:natpost`, [2000, 30000])],
      ['DOCKER', '-'],
      ['DOCKER-INGRESS', '-'],
    ],
    rules: [
      '-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER-INGRESS',
      '-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER',
      '-A OUTPUT -m addrtype --dst-type LOCAL -j DOCKER-INGRESS',
      '-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER',
      '-A POSTROUTING -o docker_gwbridge -m addrtype --src-type LOCAL -j MASQUERADE',
      `-A POSTROUTING -s ${GWBRIDGE.subnet} ! -o docker_gwbridge -j MASQUERADE`,
      `-A POSTROUTING -s ${DOCKER0.subnet} ! -o docker0 -j MASQUERADE`,
      '-A DOCKER -i docker_gwbridge -j RETURN',
      '-A DOCKER -i docker0 -j RETURN',
      ...published.map((p) => `-A DOCKER-INGRESS -p ${p.protocol} -m ${p.protocol} --dport ${p.publishedPort} -j DNAT --to-destination ${gwbridgeIps(node).get('ingress_sbox')}:${p.publishedPort}`),
      '-A DOCKER-INGRESS -j RETURN',
    ],
  };
  const filter = {
    name: 'filter',
    chains: [
      ['INPUT', 'ACCEPT', counters(`${label}:fin`, [180000, 2900000])],
      ['FORWARD', 'DROP', '0:0'],
      ['OUTPUT', 'ACCEPT', counters(`${label}:fout`, [180000, 2900000])],
      ['DOCKER', '-'],
      ['DOCKER-INGRESS', '-'],
      ['DOCKER-ISOLATION-STAGE-1', '-'],
      ['DOCKER-ISOLATION-STAGE-2', '-'],
      ['DOCKER-USER', '-'],
    ],
    rules: [
      '-A FORWARD -j DOCKER-USER',
      '-A FORWARD -j DOCKER-INGRESS',
      '-A FORWARD -j DOCKER-ISOLATION-STAGE-1',
      '-A FORWARD -o docker_gwbridge -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      '-A FORWARD -o docker_gwbridge -j DOCKER',
      '-A FORWARD -i docker_gwbridge ! -o docker_gwbridge -j ACCEPT',
      '-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      '-A FORWARD -o docker0 -j DOCKER',
      '-A FORWARD -i docker0 ! -o docker0 -j ACCEPT',
      '-A FORWARD -i docker0 -o docker0 -j ACCEPT',
      '-A FORWARD -i docker_gwbridge -o docker_gwbridge -j DROP',
      ...published.flatMap((p) => [
        `-A DOCKER-INGRESS -p ${p.protocol} -m ${p.protocol} --dport ${p.publishedPort} -j ACCEPT`,
        `-A DOCKER-INGRESS -p ${p.protocol} -m state --state RELATED,ESTABLISHED -m ${p.protocol} --sport ${p.publishedPort} -j ACCEPT`,
      ]),
      '-A DOCKER-INGRESS -j RETURN',
      '-A DOCKER-ISOLATION-STAGE-1 -i docker_gwbridge ! -o docker_gwbridge -j DOCKER-ISOLATION-STAGE-2',
      '-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2',
      '-A DOCKER-ISOLATION-STAGE-1 -j RETURN',
      '-A DOCKER-ISOLATION-STAGE-2 -o docker_gwbridge -j DROP',
      '-A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP',
      '-A DOCKER-ISOLATION-STAGE-2 -j RETURN',
      '-A DOCKER-USER -j RETURN',
    ],
  };
  return iptablesSave(when, [mangle, nat, filter]);
}

const IPVS_HEADER = ['IP Virtual Server version 1.2.1 (size=4096)', 'Prot LocalAddress:Port Scheduler Flags'];

/** `ipvsadm -Ln`: services by mark, real servers by address, columns as ipvsadm pads them. */
function ipvsadmLn(pools) {
  const out = [...IPVS_HEADER, '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn'];
  for (const p of [...pools].sort((a, b) => a.mark - b.mark)) {
    out.push(`FWM  ${p.mark} rr`);
    for (const b of [...p.backends].sort((x, y) => ipToInt(x.ip) - ipToInt(y.ip))) {
      out.push(`  -> ${pad(`${b.ip}:0`, 28)} ${pad('Masq', 7)} ${pad(b.weight, 6)} ${pad(b.active, 10)} ${pad(b.inactive, 10)}`);
    }
  }
  return out.join('\n');
}

/** `ipvsadm -S -n`: the same table as rules. */
function ipvsadmSave(pools) {
  const out = [];
  for (const p of [...pools].sort((a, b) => a.mark - b.mark)) {
    out.push(`-A -f ${p.mark} -s rr`);
    for (const b of [...p.backends].sort((x, y) => ipToInt(x.ip) - ipToInt(y.ip))) out.push(`-a -f ${p.mark} -r ${b.ip}:0 -m -w ${b.weight}`);
  }
  return out.join('\n');
}

/** `/proc/net/ip_vs`: the kernel's listing, hex, real servers in the order they were added. */
function procIpVs(pools) {
  const out = [...IPVS_HEADER, '  -> RemoteAddress:Port Forward Weight ActiveConn InActConn'];
  for (const p of pools) {
    out.push(`FWM  ${p.mark.toString(16).toUpperCase().padStart(8, '0')} rr `);
    for (const b of p.backends) out.push(`  -> ${hexIp(b.ip)}:0000      ${pad('Masq', 7)} ${pad(b.weight, 6)} ${pad(b.active, 10)} ${pad(b.inactive, 10)}`);
  }
  return out.join('\n');
}

/** `ip -o -4 addr show`: [index, name, cidr] per interface. */
function ipAddr(ifaces) {
  return ifaces
    .map(([index, name, cidr]) => {
      const scope = name === 'lo' ? 'scope host' : `brd ${broadcastOf(cidr)} scope global`;
      return `${index}: ${name}    inet ${cidr} ${scope} ${name}\\       valid_lft forever preferred_lft forever`;
    })
    .join('\n');
}

/** A dig through the embedded DNS, with dig's tab layout and the resolver's (uncompressed) message size. */
function dig(name, addresses, when, plusSeconds) {
  const fqdn = `${name}.`;
  const tabs = (n) => '\t'.repeat(Math.max(1, n));
  const question = `;${fqdn}${tabs(3 - Math.floor(fqdn.length / 8) + 1)}IN\tA`;
  const wire = name.length + 2;
  const size = 12 + wire + 4 + addresses.length * (wire + 14);
  return [
    '',
    `; <<>> DiG ${TOOLS.dig} <<>> +time=2 +tries=1 @127.0.0.11 ${name} A`,
    '; (1 server found)',
    ';; global options: +cmd',
    ';; Got answer:',
    `;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: ${pick(`dig:${name}:${when}`, 1024, 65000)}`,
    `;; flags: qr rd ra; QUERY: 1, ANSWER: ${addresses.length}, AUTHORITY: 0, ADDITIONAL: 0`,
    '',
    ';; QUESTION SECTION:',
    question,
    '',
    ';; ANSWER SECTION:',
    ...addresses.map((a) => `${fqdn}${tabs(3 - Math.floor(fqdn.length / 8))}600\tIN\tA\t${a}`),
    '',
    ';; Query time: 0 msec',
    ';; SERVER: 127.0.0.11#53(127.0.0.11)',
    `;; WHEN: ${toolDate(when, plusSeconds, true)}`,
    `;; MSG SIZE  rcvd: ${size}`,
    '',
  ].join('\n');
}

/** What the embedded DNS answers `name` with for a container on `networks` (dnsrr and tasks.* shuffled). */
function dnsAnswer(name, networks) {
  const tasksOf = name.startsWith('tasks.');
  const s = serviceByName.get(tasksOf ? name.slice(6) : name);
  if (!tasksOf && s.endpointMode === 'vip') return networks.flatMap((n) => (s.vips[n] ? [s.vips[n]] : []));
  const ips = TASKS.filter((t) => t.service === s.name).flatMap((t) => networks.flatMap((n) => (t.ips[n] ? [t.ips[n]] : [])));
  // the resolver shuffles; a fixed order here shows that answers need not follow the task order
  return SHUFFLED_ANSWERS.has(name) ? ips.reverse() : ips;
}

// ---------------------------------------------------------------------------------------------
// Node dumps: the sandboxes `swarm-lens collect` reads on a node, in its order
// ---------------------------------------------------------------------------------------------

const section = (command, output, exitCode = 0) => ({ command, output, exitCode });

function sandboxDump(netns, outputs) {
  const cmd = (rest) => `nsenter --net=${netns} ${rest}`;
  return {
    netns,
    sections: {
      'iptables-save': section(cmd('iptables-save'), outputs.iptables),
      'ipvsadm-ln': section(cmd('ipvsadm -Ln'), ipvsadmLn(outputs.pools)),
      'ipvsadm-s': section(cmd('ipvsadm -S -n'), ipvsadmSave(outputs.pools)),
      'proc-ip-vs': section(cmd('cat /proc/net/ip_vs'), procIpVs(outputs.pools)),
      'ip-addr': section(cmd('ip -o -4 addr show'), ipAddr(outputs.ifaces)),
    },
  };
}

/** A sandbox that is not there (lb_ on 18.03): nsenter fails in the helper, where the folder is /netns. */
function missingSandbox(netns) {
  const inHelper = `/netns/${path.basename(netns)}`;
  const fail = (rest) => section(`nsenter --net=${netns} ${rest}`, `nsenter: cannot open ${inHelper}: No such file or directory`, 1);
  return {
    netns,
    sections: { 'iptables-save': fail('iptables-save'), 'ipvsadm-ln': fail('ipvsadm -Ln'), 'ipvsadm-s': fail('ipvsadm -S -n'), 'proc-ip-vs': fail('cat /proc/net/ip_vs'), 'ip-addr': fail('ip -o -4 addr show') },
  };
}

function nodeDump({ node, dnsFromService }) {
  const n = nodeByName.get(node);
  const when = TAKEN_AT;
  const gw = gwbridgeIps(node);
  const local = tasksOn(node).sort((a, b) => order(a) - order(b));
  let ifindex = 20 + NODES.indexOf(n) * 40;
  const nextIf = () => (ifindex += 2);

  const sandboxes = [];
  // 1. the host namespace: the routing mesh's DNAT; IPVS is loaded but has no service here
  sandboxes.push(
    sandboxDump('/proc/1/ns/net', {
      iptables: hostIptables(node, when),
      pools: [],
      ifaces: [[1, 'lo', '127.0.0.1/8'], [2, n.hostIface, `${n.address}/24`], [3, 'docker0', `${DOCKER0.gateway}/16`], [6, 'docker_gwbridge', `${GWBRIDGE.gateway}/16`]],
    }),
  );
  // 2. ingress_sbox: the published ports' marks and IPVS over the tasks' ingress addresses
  const ingressPools = lbPools(node, ['ingress'], `${node}/ingress_sbox`);
  sandboxes.push(
    sandboxDump(`${NETNS_DIR}/ingress_sbox`, {
      iptables: ingressIptables(node, ingressPools, when),
      pools: ingressPools,
      ifaces: [[1, 'lo', '127.0.0.1/8'], [nextIf(), 'eth0', `${INGRESS_SBOX[node]}/16`], [nextIf(), 'eth1', `${gw.get('ingress_sbox')}/16`]],
    }),
  );
  // 3. the lb_ sandboxes collect asks for: absent on 18.03
  if (RECORD_MISSING_LB_SANDBOXES) {
    for (const net of NETWORKS.filter((x) => !x.ingress)) sandboxes.push(missingSandbox(`${NETNS_DIR}/lb_${networkId(net.name).slice(0, 9)}`));
  }
  // 4. every task container on the node, each with its own marks and IPVS table (legacy layout)
  const sandboxKeys = {};
  for (const t of local) {
    const overlays = NETWORKS.filter((x) => !x.ingress && t.ips[x.name]).map((x) => x.name);
    const pools = lbPools(node, overlays, taskName(t));
    const ifaces = [[1, 'lo', '127.0.0.1/8']];
    let eth = 0;
    for (const net of taskNetworks(t)) ifaces.push([nextIf(), `eth${eth++}`, `${t.ips[net.name]}/${prefixOf(net.subnet)}`]);
    ifaces.push([nextIf(), `eth${eth++}`, `${gw.get(taskName(t))}/16`]);
    sandboxKeys[containerId(t)] = sandboxKey(t);
    sandboxes.push(sandboxDump(sandboxKey(t), { iptables: taskIptables(t, pools, when), pools, ifaces }));
  }
  // 5. DNS as one local client sees it: every service name and tasks.<name>
  const client = local.find((t) => t.service === dnsFromService) ?? local[0];
  const clientNetworks = NETWORKS.filter((x) => !x.ingress && client.ips[x.name]).map((x) => x.name);
  const dns = [];
  let second = 1;
  for (const s of [...SERVICES].sort((a, b) => a.name.localeCompare(b.name))) {
    if (!s.networks.some((net) => clientNetworks.includes(net))) continue;
    for (const name of [s.name, `tasks.${s.name}`]) {
      dns.push({
        netns: sandboxKey(client),
        name,
        result: section(`nsenter --net=${sandboxKey(client)} dig @127.0.0.11 ${name} A`, dig(name, dnsAnswer(name, clientNetworks), when, second++ > 4 ? 2 : 1)),
      });
    }
  }
  return { node, netnsDir: NETNS_DIR, probe: 'helper', sandboxKeys, output: { sandboxes, dns } };
}

// ---------------------------------------------------------------------------------------------
// The snapshot
// ---------------------------------------------------------------------------------------------

const snapshot = {
  format: 'swarm-lens-snapshot',
  version: 1,
  takenAt: TAKEN_AT,
  cluster: CLUSTER_NAME,
  engine: ENGINE_ADDRESS,
  raw: {
    info: info(),
    version: version(),
    services: services(),
    tasks: tasks(),
    nodes: nodes(),
    networks: networks(),
    verboseNetworks: Object.fromEntries(NETWORKS.map((net) => [networkId(net.name), verboseNetwork(net, API_NODE)])),
  },
  nodes: DUMPS.map(nodeDump),
};

const here = path.dirname(fileURLToPath(import.meta.url));
const outIndex = process.argv.indexOf('-o');
const file = outIndex > 0 ? path.resolve(process.argv[outIndex + 1]) : path.join(here, '..', 'media', 'demo-snapshot.json');
fs.mkdirSync(path.dirname(file), { recursive: true });
fs.writeFileSync(file, JSON.stringify(snapshot, null, 1) + '\n');
const sandboxCount = snapshot.nodes.reduce((n, d) => n + d.output.sandboxes.length, 0);
process.stdout.write(`Wrote ${path.relative(process.cwd(), file)}: ${SERVICES.length} services, ${TASKS.length} tasks, ${sandboxCount} sandboxes of ${snapshot.nodes.map((d) => d.node).join(', ')}.\n`);
