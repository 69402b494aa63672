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

test('DOCKER_HOST tcp:// with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH', () => {
  const e = resolveEndpoint(inputs({}, { env: { DOCKER_HOST: 'tcp://node1:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' } }));
  assert.equal(e.port, 2376);
  assert.deepEqual(e.tls, { ca: '/certs/ca.pem', cert: '/certs/cert.pem', key: '/certs/key.pem', verify: true });
});

test('DOCKER_TLS_VERIFY without a port picks 2376 and certs from ~/.docker', () => {
  const e = resolveEndpoint(inputs({}, { env: { DOCKER_HOST: 'tcp://node1', DOCKER_TLS_VERIFY: '1' } }));
  assert.equal(e.port, 2376);
  assert.equal(e.tls?.ca, `${HOME}/.docker/ca.pem`);
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
