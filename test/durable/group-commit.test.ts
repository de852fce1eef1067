/** Group commit: what arrives during a commit goes in the next one, whole; a failed commit fails its callers only. */
import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../src/durable/group-commit.js';

describe('GroupCommit', () => {
  it('commits what was queued during a commit as one batch, in order, then settles and goes idle', async () => {
    const batches: number[][] = [];
    const committed: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const writer = new GroupCommit<number>(
      async (items) => {
        batches.push(items);
        if (batches.length === 1) await gate;
      },
      (items) => committed.push(items),
    );
    expect(writer.idle).toBe(true);
    const first = writer.add(1);
    const rest = [writer.add(2), writer.add(3), writer.add(4)];
    expect(writer.idle).toBe(false);
    expect(batches).toEqual([[1]]);
    release();
    await Promise.all([first, ...rest]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
    expect(committed).toEqual([[1], [2, 3, 4]]);
    await writer.settled();
    expect(writer.idle).toBe(true);
  });

  it('rejects every caller of a failed batch with its error, and commits later ones', async () => {
    let fail = true;
    const writer = new GroupCommit<string>(async () => {
      if (fail) throw new Error('disk full');
    });
    const failed = await Promise.allSettled([writer.add('a'), writer.add('b')]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((failed[1] as PromiseRejectedResult).reason.message).toBe('disk full');
    fail = false;
    await expect(writer.add('c')).resolves.toBeUndefined();
  });
});
