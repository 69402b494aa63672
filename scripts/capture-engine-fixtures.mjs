// Records the Engine API answers one refresh reads, from the engine in DOCKER_HOST, as unit-test
// fixtures: node scripts/capture-engine-fixtures.mjs test/fixtures/engine/<name>
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';

const host = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
if (!host.startsWith('unix://')) throw new Error('capture reads a unix socket only');
const socketPath = host.slice('unix://'.length);
const out = process.argv[2];
if (!out) throw new Error('usage: capture-engine-fixtures.mjs <folder>');

const get = (p) =>
  new Promise((resolve, reject) => {
    http.get({ socketPath, path: p }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(JSON.parse(body)));
    }).on('error', reject);
  });

fs.mkdirSync(out, { recursive: true });
const save = (name, value) => fs.writeFileSync(path.join(out, name), JSON.stringify(value, null, 1) + '\n');
const info = await get('/info');
save('info.json', info);
save('version.json', await get('/version'));
save('services.json', await get('/services?status=true'));
save('tasks.json', await get('/tasks'));
save('nodes.json', await get('/nodes'));
const networks = await get('/networks');
save('networks.json', networks);
const verbose = {};
for (const n of networks.filter((n) => n.Scope === 'swarm')) verbose[n.Id] = await get(`/networks/${n.Id}?verbose=true`);
save('networks-verbose.json', verbose);
console.log(`captured ${Object.keys(verbose).length + 6} answers from ${host} into ${out}`);
