/**
 * Run by gateway.test.ts in a child process: a resource server with the plugin, three
 * requests, then app.close() and nothing else. The process must exit on its own; if
 * something keeps it alive, the still-open resources are printed for the test's message.
 */
import { writeSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { tokenwatchGateway } from '../../src/gateway/index.js';

const app = Fastify({ logger: false });
await app.register(tokenwatchGateway, {
  url: process.env.STANDIN_URL!,
  key: process.env.STANDIN_KEY!,
  pepper: process.env.PEPPER!,
  gateway: 'exit-child',
  flushIntervalMs: 60_000,
});
app.get('/api/hello', async () => ({ ok: true }));
await app.listen({ port: 0, host: '127.0.0.1' });
const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/hello`;

const deadline = Date.now() + 5000;
while (!app.tokenwatch.stats().feedConnected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));

for (let i = 0; i < 3; i++) {
  const res = await fetch(url, { headers: { authorization: 'Bearer tok-child' } });
  await res.arrayBuffer();
}
await app.close();
const closedAt = Date.now();
process.stdout.write(JSON.stringify({ stats: app.tokenwatch.stats() }) + '\n');
process.on('exit', () => writeSync(1, JSON.stringify({ closedToExitMs: Date.now() - closedAt }) + '\n'));

setTimeout(() => {
  process.stderr.write(`still alive: ${JSON.stringify(process.getActiveResourcesInfo())}\n`);
}, 3000).unref();
