/** Issue 11: the ingest in-flight byte budget comes back when uploads are cut off midway. */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, event, KEYS, openTestApp, tempDir, testConfig, type TestApp } from '../helpers.js';

const MiB = 1024 * 1024;
let t: TestApp;
let port: number;

beforeAll(async () => {
  // Room for three 1 MiB uploads in flight at once: 30 leaked ones would exhaust it ten times over.
  t = await openTestApp(testConfig(tempDir(), { server: { body_limit_bytes: MiB, max_inflight_bytes: 3 * MiB } }));
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = (t.app.server.address() as { port: number }).port;
});
afterAll(async () => t.close());

async function inflight(): Promise<number> {
  const res = await t.app.inject({ method: 'GET', url: '/metrics' });
  const m = /^tokenwatch_ingest_inflight_bytes (\S+)$/m.exec(res.body);
  if (!m) throw new Error('no tokenwatch_ingest_inflight_bytes gauge');
  return Number(m[1]);
}

/** Declares a 1 MiB body, sends part of it, waits until the server holds it, then cuts the connection. */
function abortedUpload(): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        `POST /v1/events HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${KEYS.ingest}\r\ncontent-type: application/json\r\ncontent-length: ${MiB}\r\n\r\n[` +
          ' '.repeat(64 * 1024),
      );
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, 30);
    });
    socket.on('error', reject);
  });
}

describe('in-flight budget', () => {
  it('is released for 30 aborted uploads, and a normal batch is then accepted', async () => {
    for (let i = 0; i < 30; i++) await abortedUpload();
    // The server notices each close asynchronously.
    for (let i = 0; i < 100 && (await inflight()) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await inflight()).toBe(0);
    const res = await fetch(`http://127.0.0.1:${port}/v1/events`, {
      method: 'POST',
      headers: { ...auth('ingest'), 'content-type': 'application/json' },
      body: JSON.stringify([event()]),
    });
    expect(res.status).toBe(202);
    expect(await inflight()).toBe(0);
  });

  it('is held while an upload is being read, and refused past the budget with 503', async () => {
    const sockets = await Promise.all(
      [0, 1, 2].map(
        () =>
          new Promise<ReturnType<typeof connect>>((resolve) => {
            const s = connect(port, '127.0.0.1', () => {
              s.write(`POST /v1/events HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${KEYS.ingest}\r\ncontent-type: application/json\r\ncontent-length: ${MiB}\r\n\r\n[`);
              resolve(s);
            });
          }),
      ),
    );
    for (let i = 0; i < 100 && (await inflight()) < 3 * MiB; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await inflight()).toBe(3 * MiB);
    const res = await fetch(`http://127.0.0.1:${port}/v1/events`, {
      method: 'POST',
      headers: { ...auth('ingest'), 'content-type': 'application/json' },
      body: JSON.stringify([event()]),
    });
    expect(res.status).toBe(503);
    for (const s of sockets) s.destroy();
    for (let i = 0; i < 100 && (await inflight()) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await inflight()).toBe(0);
  });
});
