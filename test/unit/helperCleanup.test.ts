// The helper clean-up removes only containers Swarm Lens made and left behind: an engine whose
// filter lets everything through (like this replay) must not cost anyone else a container.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHost } from '../../src/core/docker/endpoint';
import { removeLeftoverHelpers } from '../../src/core/netns/probe';
import { startEngineReplay } from '../replay/engineReplay';
import { recordedCluster } from './engineFixtures';

const IMAGE = 'nicolaka/netshoot';
const now = Date.now() / 1000;

function container(id: string, over: Record<string, unknown> = {}) {
  return { Id: id.padEnd(64, '0'), Names: [`/swarm-lens-helper-${id.padEnd(12, '0')}`], Image: IMAGE, Labels: { 'swarm-lens.helper': '1' }, State: 'exited', Created: now - 60, ...over };
}

test('the clean-up removes our stopped and hung helpers, never another container or a helper in use', async () => {
  const containers = [
    container('aa01'), // ours, stopped a minute ago: a leftover
    container('aa02', { State: 'running', Created: now - 3 * 3600 }), // ours, running for hours: hung
    container('bb01', { Created: now - 2 }), // ours, created a moment ago: another trace about to start it
    container('bb02', { State: 'running', Created: now - 600 }), // ours, running for 10 minutes: someone's long trace
    container('bb03', { Labels: { 'swarm-lens.helper': 'keep-me' } }), // same label key, another value
    container('bb04', { Names: ['/postgres'] }), // someone's container that copied our label
    container('bb05', { Image: 'postgres:16' }), // our name and label on another image
    container('bb06', { Labels: undefined }),
    container('bb07', { Names: ['/swarm-lens-helper-aa0100000000', '/other'] }),
    container('bb08', { State: 'running', Created: now - 3 * 3600, Image: 'postgres:16' }),
  ];
  const replay = await startEngineReplay(recordedCluster(), {
    override: (p) => (p === '/containers/json' ? { body: JSON.stringify(containers) } : p.startsWith('/containers/') ? { status: 204, body: '' } : undefined),
  });
  try {
    const removed = await removeLeftoverHelpers(parseHost(replay.host, 'default', 'DOCKER_HOST', undefined), IMAGE, 30_000);
    const deletes = replay.requests.filter((r) => r.startsWith('DELETE')).map((r) => r.slice('DELETE /containers/'.length, 'DELETE /containers/'.length + 4)).sort();
    assert.deepEqual(deletes, ['aa01', 'aa02']);
    assert.equal(removed, 2);
    // The engine is asked for exactly our label value and name, too.
    const list = decodeURIComponent(replay.requests.find((r) => r.startsWith('GET /containers/json')) ?? '');
    assert.match(list, /"label":\["swarm-lens\.helper=1"\]/);
    assert.match(list, /"name":\["swarm-lens-helper-"\]/);
  } finally {
    await replay.close();
  }
});

test('an answer that is not a container list removes nothing', async () => {
  const replay = await startEngineReplay(recordedCluster(), { override: (p) => (p === '/containers/json' ? { body: '{"Id":"x"}' } : undefined) });
  try {
    assert.equal(await removeLeftoverHelpers(parseHost(replay.host, 'default', 'DOCKER_HOST', undefined), IMAGE, 30_000), 0);
    assert.ok(!replay.requests.some((r) => r.startsWith('DELETE')));
  } finally {
    await replay.close();
  }
});
