import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import { EndpointError, EndpointInputs, listContexts, resolveEndpoint } from '../../src/core/docker/endpoint';

const HOME = '/home/me';

/** A docker config folder in memory: files by absolute path. */
function inputs(files: Record<string, string>, over: Partial<EndpointInputs> = {}): EndpointInputs {
  return {
    env: {},
    homeDir: HOME,
    platform: 'linux',
    readFile: (f) => files[f],
    listDir: (dir) => {
      const prefix = dir.endsWith('/') ? dir : dir + '/';
      return [...new Set(Object.keys(files).filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length).split('/')[0]))];
    },
    ...over,
  };
}

function context(name: string, host: string, opts: { tls?: boolean; skipVerify?: boolean; configDir?: string; description?: string } = {}): Record<string, string> {
  const id = crypto.createHash('sha256').update(name).digest('hex');
  const dir = opts.configDir ?? path.join(HOME, '.docker');
  const files: Record<string, string> = {
    [`${dir}/contexts/meta/${id}/meta.json`]: JSON.stringify({
      Name: name,
      Metadata: { Description: opts.description ?? '' },
      Endpoints: { docker: { Host: host, SkipTLSVerify: !!opts.skipVerify } },
    }),
  };
  if (opts.tls) {
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) files[`${dir}/contexts/tls/${id}/docker/${f}`] = 'PEM';
  }
  return files;
}

test('no configuration at all gives the default unix socket', () => {
  const e = resolveEndpoint(inputs({}));
  assert.equal(e.protocol, 'unix');
  assert.equal(e.socketPath, '/var/run/docker.sock');
  assert.equal(e.source, 'default');
  assert.equal(e.context, 'default');
});

test('windows default is the named pipe', () => {
  const e = resolveEndpoint(inputs({}, { platform: 'win32' }));
  assert.equal(e.protocol, 'npipe');
  assert.equal(e.socketPath, '//./pipe/docker_engine');
});

test('DOCKER_HOST unix://', () => {
  const e = resolveEndpoint(inputs({}, { env: { DOCKER_HOST: 'unix:///tmp/x/docker.sock' } }));
  assert.deepEqual([e.protocol, e.socketPath, e.source], ['unix', '/tmp/x/docker.sock', 'DOCKER_HOST']);
});

test('DOCKER_HOST tcp:// without TLS defaults to port 2375', () => {
  const e = resolveEndpoint(inputs({}, { env: { DOCKER_HOST: 'tcp://10.1.2.3' } }));
  assert.deepEqual([e.protocol, e.hostname, e.port, e.tls], ['tcp', '10.1.2.3', 2375, undefined]);
});

const certs = (dir: string, names = ['ca.pem', 'cert.pem', 'key.pem']) => Object.fromEntries(names.map((f) => [`${dir}/${f}`, 'PEM']));

test('DOCKER_HOST tcp:// with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH', () => {
  const e = resolveEndpoint(inputs(certs('/certs'), { env: { DOCKER_HOST: 'tcp://node1:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' } }));
  assert.equal(e.port, 2376);
  assert.deepEqual(e.tls, { ca: '/certs/ca.pem', cert: '/certs/cert.pem', key: '/certs/key.pem', verify: true });
});

test('DOCKER_TLS_VERIFY without a port picks 2376 and certs from ~/.docker', () => {
  const e = resolveEndpoint(inputs(certs(`${HOME}/.docker`), { env: { DOCKER_HOST: 'tcp://node1', DOCKER_TLS_VERIFY: '1' } }));
  assert.equal(e.port, 2376);
  assert.equal(e.tls?.ca, `${HOME}/.docker/ca.pem`);
});

test('a certificate file the TLS settings name but that is missing is one sentence naming it, never skipped', () => {
  const env = { DOCKER_HOST: 'tcp://node1:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' };
  const oneSentence = (pattern: RegExp) => (err: unknown) => err instanceof EndpointError && pattern.test(err.message) && !err.message.includes('\n');
  assert.throws(() => resolveEndpoint(inputs(certs('/certs', ['cert.pem', 'key.pem']), { env })), oneSentence(/TLS verification needs \/certs\/ca\.pem, which does not exist: .*DOCKER_CERT_PATH/));
  assert.throws(() => resolveEndpoint(inputs(certs('/certs', ['ca.pem', 'cert.pem']), { env })), oneSentence(/\/certs\/key\.pem does not exist but cert\.pem does/));
  assert.throws(() => resolveEndpoint(inputs(certs('/certs', ['ca.pem', 'key.pem']), { env })), oneSentence(/\/certs\/cert\.pem does not exist but key\.pem does/));
  // The same for --host and the setting: they take the environment's TLS like `docker -H`.
  assert.throws(() => resolveEndpoint(inputs({}, { env: { DOCKER_TLS_VERIFY: '1' }, hostFlag: 'tcp://node1:2376' })), /\.docker\/ca\.pem, which does not exist/);
  // Without client certificates (none of the pair) the server decides; the CA alone is fine.
  assert.deepEqual(resolveEndpoint(inputs(certs('/certs', ['ca.pem']), { env })).tls, { ca: '/certs/ca.pem', verify: true });
});

test('--host and the host setting keep DOCKER_TLS_VERIFY and DOCKER_CERT_PATH; DOCKER_TLS encrypts without verifying', () => {
  const env = { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs', DOCKER_HOST: 'unix:///ignored.sock' };
  const flag = resolveEndpoint(inputs(certs('/certs'), { env, hostFlag: 'tcp://node1', hostSetting: 'unix:///setting.sock' }));
  assert.deepEqual([flag.source, flag.hostname, flag.port, flag.tls], ['--host', 'node1', 2376, { ca: '/certs/ca.pem', cert: '/certs/cert.pem', key: '/certs/key.pem', verify: true }]);
  assert.equal(resolveEndpoint(inputs(certs('/certs'), { env, hostSetting: 'tcp://node1:2376' })).tls?.verify, true);
  const lax = resolveEndpoint(inputs(certs('/certs', ['cert.pem', 'key.pem']), { env: { DOCKER_TLS: '1', DOCKER_CERT_PATH: '/certs' }, hostFlag: 'tcp://node1' }));
  assert.deepEqual(lax.tls, { cert: '/certs/cert.pem', key: '/certs/key.pem', verify: false });
  // DOCKER_CERT_PATH alone turns nothing on, as with the docker CLI.
  assert.equal(resolveEndpoint(inputs(certs('/certs'), { env: { DOCKER_CERT_PATH: '/certs' }, hostFlag: 'tcp://node1' })).tls, undefined);
});

test('http:// and https:// hosts are refused like the docker CLI does: https must not mean unverified TLS', () => {
  for (const host of ['https://node1:2376', 'http://node1:2375']) {
    assert.throws(() => resolveEndpoint(inputs({}, { env: { DOCKER_HOST: host } })), /is not a Docker address: use tcp:\/\/HOST:2376 with DOCKER_TLS_VERIFY=1/);
  }
});

test('DOCKER_HOST ssh:// with user and port', () => {
  const e = resolveEndpoint(inputs({}, { env: { DOCKER_HOST: 'ssh://ops@manager1:2222' } }));
  assert.deepEqual([e.protocol, e.hostname, e.port, e.username], ['ssh', 'manager1', 2222, 'ops']);
});

test('ssh:// without port uses 22', () => {
  assert.equal(resolveEndpoint(inputs({}, { env: { DOCKER_HOST: 'ssh://manager1' } })).port, 22);
});

test('IPv6 tcp host', () => {
  const e = resolveEndpoint(inputs({}, { env: { DOCKER_HOST: 'tcp://[::1]:2375' } }));
  assert.equal(e.hostname, '::1');
});

test('bad DOCKER_HOST values become one sentence, not a crash', () => {
  for (const host of ['foo', 'http//x', 'unix://relative.sock', 'tcp://', 'ftp://x']) {
    assert.throws(
      () => resolveEndpoint(inputs({}, { env: { DOCKER_HOST: host } })),
      (err: unknown) => err instanceof EndpointError && /DOCKER_HOST/.test(err.message) && !err.message.includes('\n'),
      host,
    );
  }
});

test('currentContext in config.json selects that context', () => {
  const files = { [`${HOME}/.docker/config.json`]: JSON.stringify({ currentContext: 'prod' }), ...context('prod', 'ssh://ops@prod-manager') };
  const e = resolveEndpoint(inputs(files));
  assert.deepEqual([e.context, e.source, e.protocol, e.hostname], ['prod', 'currentContext', 'ssh', 'prod-manager']);
});

test('DOCKER_CONTEXT beats currentContext; DOCKER_HOST beats both', () => {
  const files = {
    [`${HOME}/.docker/config.json`]: JSON.stringify({ currentContext: 'prod' }),
    ...context('prod', 'ssh://prod'),
    ...context('lab', 'tcp://lab:2375'),
  };
  assert.equal(resolveEndpoint(inputs(files, { env: { DOCKER_CONTEXT: 'lab' } })).hostname, 'lab');
  assert.equal(resolveEndpoint(inputs(files, { env: { DOCKER_CONTEXT: 'lab', DOCKER_HOST: 'unix:///x.sock' } })).socketPath, '/x.sock');
});

test('the settings beat the environment: host first, then context', () => {
  const files = { ...context('lab', 'tcp://lab:2375') };
  const env = { DOCKER_HOST: 'unix:///env.sock' };
  assert.equal(resolveEndpoint(inputs(files, { env, contextSetting: 'lab' })).hostname, 'lab');
  assert.equal(resolveEndpoint(inputs(files, { env, contextSetting: 'lab', hostSetting: 'unix:///setting.sock' })).socketPath, '/setting.sock');
});

test('a context with TLS material uses it; SkipTLSVerify turns verification off', () => {
  const files = { ...context('secure', 'tcp://node:2376', { tls: true }), ...context('lax', 'tcp://node:2376', { tls: true, skipVerify: true }) };
  const secure = resolveEndpoint(inputs(files, { env: { DOCKER_CONTEXT: 'secure' } }));
  assert.equal(secure.tls?.verify, true);
  assert.match(secure.tls?.cert ?? '', /contexts\/tls\/[0-9a-f]{64}\/docker\/cert\.pem$/);
  assert.equal(resolveEndpoint(inputs(files, { env: { DOCKER_CONTEXT: 'lax' } })).tls?.verify, false);
  // SkipTLSVerify without stored files is still TLS (as docker does), not plain HTTP.
  const bare = resolveEndpoint(inputs(context('bare', 'tcp://node:2376', { skipVerify: true }), { env: { DOCKER_CONTEXT: 'bare' } }));
  assert.deepEqual(bare.tls, { verify: false });
});

test('DOCKER_CONFIG moves the config folder', () => {
  const files = { '/etc/dc/config.json': JSON.stringify({ currentContext: 'x' }), ...context('x', 'tcp://x:1', { configDir: '/etc/dc' }) };
  assert.equal(resolveEndpoint(inputs(files, { env: { DOCKER_CONFIG: '/etc/dc' } })).hostname, 'x');
});

test('a missing context is a plain sentence naming it', () => {
  const files = { [`${HOME}/.docker/config.json`]: JSON.stringify({ currentContext: 'gone' }) };
  assert.throws(() => resolveEndpoint(inputs(files)), /context "gone" does not exist/);
});

test('currentContext "default" means the default endpoint', () => {
  const files = { [`${HOME}/.docker/config.json`]: JSON.stringify({ currentContext: 'default' }) };
  assert.equal(resolveEndpoint(inputs(files)).socketPath, '/var/run/docker.sock');
});

test('broken config.json is reported, broken context files are skipped in the list', () => {
  assert.throws(() => resolveEndpoint(inputs({ [`${HOME}/.docker/config.json`]: '{"currentContext": ' })), /not valid JSON/);
  const files = { ...context('good', 'tcp://good:2375', { description: 'the good one' }), [`${HOME}/.docker/contexts/meta/abc/meta.json`]: '{{{' };
  const list = listContexts(inputs(files));
  assert.deepEqual(list.map((c) => c.name), ['default', 'good']);
  assert.equal(list[1].description, 'the good one');
  assert.equal(list[0].current, true);
});

test('context list marks the current one', () => {
  const files = { [`${HOME}/.docker/config.json`]: JSON.stringify({ currentContext: 'b' }), ...context('b', 'tcp://b:1'), ...context('a', 'tcp://a:1') };
  const list = listContexts(inputs(files));
  assert.deepEqual(list.map((c) => [c.name, c.current]), [['default', false], ['a', false], ['b', true]]);
});
