/** The spool on its own: order, chunking on line boundaries, cursor, torn tails, limits. */
import { appendFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Spool, SpoolFullError } from '../../src/ingest/spool.js';
import { tempDir } from '../helpers.js';

const lines = (from: number, n: number) => Buffer.from(Array.from({ length: n }, (_, i) => `{"n":${from + i}}\n`).join(''));

async function drain(spool: Spool, maxBytes = 1 << 20): Promise<number[]> {
  const seen: number[] = [];
  for (let chunk = spool.peek(maxBytes); chunk; chunk = spool.peek(maxBytes)) {
    seen.push(...chunk.data.toString().trim().split('\n').map((l) => (JSON.parse(l) as { n: number }).n));
    spool.commit(chunk);
  }
  return seen;
}

describe('Spool', () => {
  it('returns rows in order, in whole lines, across segments', async () => {
    const dir = tempDir();
    const spool = await Spool.open({ dir, segmentBytes: 64 * 1024, maxBytes: 1 << 30 });
    for (let i = 0; i < 20; i++) await spool.append(lines(i * 1000, 1000));
    expect(readdirSync(dir).filter((f) => f.endsWith('.ndjson')).length).toBeGreaterThan(3);
    const seen = await drain(spool, 10_000);
    expect(seen).toEqual(Array.from({ length: 20_000 }, (_, i) => i));
    expect(spool.pendingBytes()).toBe(0);
    expect(readdirSync(dir).filter((f) => f.endsWith('.ndjson')).length).toBe(1);
    await spool.close();
  });

  it('group-commits concurrent appends', async () => {
    const spool = await Spool.open({ dir: tempDir(), segmentBytes: 1 << 20, maxBytes: 1 << 30 });
    await Promise.all(Array.from({ length: 50 }, (_, i) => spool.append(lines(i * 10, 10))));
    expect((await drain(spool)).sort((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    await spool.close();
  });

  it('resumes after the committed cursor and gives the same dedup token for a replayed chunk', async () => {
    const dir = tempDir();
    const a = await Spool.open({ dir, segmentBytes: 1 << 20, maxBytes: 1 << 30 });
    await a.append(lines(0, 10));
    await a.append(lines(10, 10));
    const first = a.peek(1 << 20)!;
    a.commit(first);
    await a.append(lines(20, 5));
    const uncommitted = a.peek(1 << 20)!;
    await a.close();

    const b = await Spool.open({ dir, segmentBytes: 1 << 20, maxBytes: 1 << 30 });
    const replay = b.peek(1 << 20)!;
    expect(replay.token).toBe(uncommitted.token);
    expect(await drain(b)).toEqual([20, 21, 22, 23, 24]);
    await b.close();
  });

  it('cuts a torn, unacknowledged tail after a crash', async () => {
    const dir = tempDir();
    const a = await Spool.open({ dir, segmentBytes: 1 << 20, maxBytes: 1 << 30 });
    await a.append(lines(0, 3));
    await a.close();
    const segment = readdirSync(dir).find((f) => f.endsWith('.ndjson'))!;
    appendFileSync(join(dir, segment), '{"n":99');
    const b = await Spool.open({ dir, segmentBytes: 1 << 20, maxBytes: 1 << 30 });
    expect(await drain(b)).toEqual([0, 1, 2]);
    await b.close();
  });

  it('refuses appends beyond its size limit', async () => {
    const spool = await Spool.open({ dir: tempDir(), segmentBytes: 1 << 20, maxBytes: 2000 });
    const batch = lines(0, 150);
    expect(batch.length).toBeGreaterThan(1000);
    await spool.append(batch);
    await expect(spool.append(batch)).rejects.toBeInstanceOf(SpoolFullError);
    await drain(spool);
    await expect(spool.append(batch)).resolves.toBeUndefined();
    await spool.close();
  });
});

describe('Spool.read (the flusher’s path)', () => {
  it('returns what peek() returns, read off the event loop into a reused buffer', async () => {
    const dirA = tempDir();
    const dirB = tempDir();
    const a = await Spool.open({ dir: dirA, segmentBytes: 64 * 1024, maxBytes: 1 << 30 });
    const b = await Spool.open({ dir: dirB, segmentBytes: 64 * 1024, maxBytes: 1 << 30 });
    for (let i = 0; i < 12; i++) {
      await a.append(lines(i * 1000, 1000));
      await b.append(lines(i * 1000, 1000));
    }
    const scratch = Buffer.alloc(10_000);
    const seen: number[] = [];
    for (;;) {
      const expected = a.peek(10_000);
      const chunk = await b.read(10_000, scratch);
      if (!expected) {
        expect(chunk).toBeUndefined();
        break;
      }
      expect(chunk!.data.equals(expected.data)).toBe(true);
      expect(chunk!.data.buffer).toBe(scratch.buffer);
      expect({ ...chunk, data: undefined, token: chunk!.token.split('-').slice(2).join('-') }).toEqual({
        ...expected,
        data: undefined,
        token: expected.token.split('-').slice(2).join('-'),
      });
      seen.push(...chunk!.data.toString().trim().split('\n').map((l) => (JSON.parse(l) as { n: number }).n));
      await Promise.all([a.commit(expected), b.commit(chunk!)]);
    }
    expect(seen).toEqual(Array.from({ length: 12_000 }, (_, i) => i));
    expect(b.pendingBytes()).toBe(0);
    expect(readdirSync(dirB).filter((f) => f.endsWith('.ndjson')).length).toBe(1);
    await Promise.all([a.close(), b.close()]);
  });

  it('returns a line longer than maxBytes whole, whatever the scratch buffer', async () => {
    const spool = await Spool.open({ dir: tempDir(), segmentBytes: 1 << 20, maxBytes: 1 << 30 });
    const long = Buffer.from(`{"n":0,"pad":"${'x'.repeat(5000)}"}\n{"n":1}\n`);
    await spool.append(long);
    const peeked = spool.peek(1000, Buffer.alloc(1000));
    const chunk = await spool.read(1000, Buffer.alloc(1000));
    expect(chunk!.data.equals(long)).toBe(true);
    expect(chunk!.rows).toBe(2);
    expect(peeked).toEqual(chunk);
    await spool.commit(chunk!);
    expect(await spool.read(1000)).toBeUndefined();
    await spool.close();
  });

  it('has written the cursor of every commit once closed, awaited or not', async () => {
    const dir = tempDir();
    const a = await Spool.open({ dir, segmentBytes: 1 << 20, maxBytes: 1 << 30 });
    await a.append(lines(0, 10));
    await a.append(lines(10, 10));
    void a.commit((await a.read(50))!);
    void a.commit((await a.read(50))!);
    await a.close();
    const b = await Spool.open({ dir, segmentBytes: 1 << 20, maxBytes: 1 << 30 });
    const rest = await drain(b);
    expect(rest[0]).toBeGreaterThan(1);
    expect(rest).toEqual(Array.from({ length: 20 - rest[0]! }, (_, i) => rest[0]! + i));
    await b.close();
  });
});
