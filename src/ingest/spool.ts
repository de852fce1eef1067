/**
 * The spool: an append-only, fsync'd log of accepted rows (JSONEachRow lines) in
 * numbered segment files. A request is acknowledged once its rows are appended and
 * synced here; the flusher moves them to the warehouse in order and records how far it
 * got in a cursor file. After a crash the next start reads on from the cursor; a
 * half-written tail (never acknowledged) is cut off.
 *
 * Layout of the directory:
 *   id             random id of this spool, part of every insert deduplication token
 *   cursor.json    {"segment": n, "offset": bytes} — everything before it is in the warehouse
 *   NNNNNNNNNN.ndjson  segments; a fully flushed, closed segment is deleted
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fdatasyncSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, statSync, unlinkSync, writeFileSync, ftruncateSync } from 'node:fs';
import { open, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { GroupCommit } from '../durable/group-commit.js';

const SEGMENT_FILE = /^(\d{10})\.ndjson$/;
const NEWLINE = 0x0a;

const cursorSchema = z.object({ segment: z.number().int().min(1), offset: z.number().int().min(0) });
type Cursor = z.infer<typeof cursorSchema>;

export interface SpoolChunk {
  /** Whole lines, ready for a JSONEachRow insert. */
  data: Buffer;
  rows: number;
  /** Unique across restarts and spool incarnations: the insert deduplication token. */
  token: string;
  /** Where the cursor goes once this chunk is in the warehouse. */
  next: Cursor;
}

export interface SpoolOptions {
  dir: string;
  segmentBytes: number;
  maxBytes: number;
}

/** The spool is full: the caller answers 503 with Retry-After. */
export class SpoolFullError extends Error {
  constructor(readonly pendingBytes: number) {
    super('the spool is full: the warehouse is not keeping up');
    this.name = 'SpoolFullError';
  }
}

const segmentName = (n: number) => `${String(n).padStart(10, '0')}.ndjson`;

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeFileDurably(path: string, data: string): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeFileSync(fd, data);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** writeFileDurably() off the event loop. */
async function writeFileDurablyAsync(path: string, data: string): Promise<void> {
  const tmp = `${path}.tmp`;
  const handle = await open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(data);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
}

/** Where the next chunk lies in the spool. */
interface Range {
  segment: number;
  offset: number;
  length: number;
}

/** Cuts a segment back to its last complete line (an unacknowledged, torn write). */
function truncateTornTail(path: string): number {
  const fd = openSync(path, 'r+');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return 0;
    const probe = Buffer.alloc(Math.min(size, 1 << 20));
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - probe.length);
      readSync(fd, probe, 0, end - start, start);
      const at = probe.subarray(0, end - start).lastIndexOf(NEWLINE);
      if (at >= 0) {
        end = start + at + 1;
        break;
      }
      end = start;
    }
    if (end !== size) {
      ftruncateSync(fd, end);
      fdatasyncSync(fd);
    }
    return end;
  } finally {
    closeSync(fd);
  }
}

export class Spool {
  readonly id: string;
  private cursor: Cursor;
  /** Durable end (bytes synced) of every segment not yet deleted. */
  private readonly sizes = new Map<number, number>();
  private writeSegment: number;
  private writeHandle: FileHandle | undefined;
  /** Group commit: everything appended while the previous sync ran goes in one write and one sync. */
  private readonly writer = new GroupCommit<Buffer>(
    (batch) => this.writeBatch(batch),
    () => {
      for (const listener of this.listeners) listener();
    },
  );
  /** Bytes appended and not yet written (or failed). */
  private queuedBytes = 0;
  private listeners = new Set<() => void>();
  private closed = false;
  /** Cursor file writes, in commit order. */
  private cursorWrites: Promise<void> = Promise.resolve();

  private constructor(private readonly options: SpoolOptions) {
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    const idPath = join(options.dir, 'id');
    try {
      this.id = readFileSync(idPath, 'utf8').trim();
    } catch {
      this.id = randomBytes(8).toString('hex');
      writeFileDurably(idPath, this.id);
    }
    let cursor: Cursor = { segment: 1, offset: 0 };
    try {
      cursor = cursorSchema.parse(JSON.parse(readFileSync(join(options.dir, 'cursor.json'), 'utf8')));
    } catch {
      // no cursor yet: start at the first segment
    }
    const segments = readdirSync(options.dir)
      .map((f) => SEGMENT_FILE.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    for (const n of segments) {
      const path = join(options.dir, segmentName(n));
      if (n < cursor.segment) {
        unlinkSync(path); // flushed before the crash, not yet deleted
        continue;
      }
      this.sizes.set(n, truncateTornTail(path));
    }
    this.cursor = cursor;
    // Never append to a segment written by an earlier process: start a new one.
    this.writeSegment = Math.max(cursor.segment, ...segments, 0) + 1;
    if (this.sizes.size === 0 || cursor.segment > Math.max(...this.sizes.keys())) {
      this.cursor = { segment: this.writeSegment, offset: 0 };
    }
  }

  static async open(options: SpoolOptions): Promise<Spool> {
    const spool = new Spool(options);
    await spool.openWriteSegment();
    return spool;
  }

  private async openWriteSegment(): Promise<void> {
    this.writeHandle = await open(join(this.options.dir, segmentName(this.writeSegment)), 'a', 0o600);
    this.sizes.set(this.writeSegment, 0);
    fsyncDir(this.options.dir);
  }

  /** Bytes accepted but not yet in the warehouse (synced and queued). */
  pendingBytes(): number {
    let total = this.queuedBytes;
    for (const [segment, size] of this.sizes) {
      total += segment === this.cursor.segment ? size - this.cursor.offset : size;
    }
    return total;
  }

  /** Appends whole lines; resolves once they are synced to disk. */
  append(data: Buffer): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the spool is closed'));
    if (this.pendingBytes() + data.length > this.options.maxBytes) {
      return Promise.reject(new SpoolFullError(this.pendingBytes()));
    }
    this.queuedBytes += data.length;
    return this.writer.add(data);
  }

  /** Writes and syncs one group of appends, rolling to a new segment when this one is full. */
  private async writeBatch(batch: Buffer[]): Promise<void> {
    const bytes = batch.reduce((n, data) => n + data.length, 0);
    try {
      if ((this.sizes.get(this.writeSegment) ?? 0) >= this.options.segmentBytes) await this.roll();
      const handle = this.writeHandle!;
      await handle.writev(batch);
      await handle.datasync();
      this.sizes.set(this.writeSegment, (this.sizes.get(this.writeSegment) ?? 0) + bytes);
    } finally {
      this.queuedBytes -= bytes;
    }
  }

  private async roll(): Promise<void> {
    await this.writeHandle?.close();
    this.writeSegment += 1;
    await this.openWriteSegment();
  }

  /** Called whenever new rows become durable. */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Where the next rows to move lie, at most `maxBytes`; skips (and deletes) finished segments. */
  private nextRange(maxBytes: number): Range | undefined {
    let { segment, offset } = this.cursor;
    // Skip past finished segments (fully read and no longer written).
    while (segment !== this.writeSegment && offset >= (this.sizes.get(segment) ?? 0)) {
      this.dropSegment(segment);
      segment += 1;
      offset = 0;
      this.cursor = { segment, offset };
    }
    const size = this.sizes.get(segment) ?? 0;
    if (offset >= size) return undefined;
    return { segment, offset, length: Math.min(size - offset, maxBytes) };
  }

  /** The whole lines at the start of `bytes` read from `range`, or undefined when there is none. */
  private toChunk(bytes: Buffer, { segment, offset }: Range): SpoolChunk | undefined {
    const end = bytes.lastIndexOf(NEWLINE) + 1;
    if (end === 0) return undefined;
    const data = bytes.subarray(0, end);
    let rows = 0;
    for (let i = data.indexOf(NEWLINE); i >= 0; i = data.indexOf(NEWLINE, i + 1)) rows += 1;
    return {
      data,
      rows,
      token: `spool-${this.id}-${segment}-${offset}-${offset + end}`,
      next: { segment, offset: offset + end },
    };
  }

  /**
   * The next rows to move to the warehouse, at most about `maxBytes`, whole lines only.
   * With `scratch` (when large enough) the bytes are read into it, so the chunk is valid
   * until the caller reuses it: a fresh 16 MiB buffer per chunk costs page faults.
   */
  peek(maxBytes: number, scratch?: Buffer): SpoolChunk | undefined {
    const range = this.nextRange(maxBytes);
    if (!range) return undefined;
    const buffer = scratch && scratch.length >= range.length ? scratch : Buffer.allocUnsafe(range.length);
    const fd = openSync(join(this.options.dir, segmentName(range.segment)), 'r');
    let bytesRead: number;
    try {
      bytesRead = readSync(fd, buffer, 0, range.length, range.offset);
    } finally {
      closeSync(fd);
    }
    const chunk = this.toChunk(buffer.subarray(0, bytesRead), range);
    // One line longer than maxBytes: read it whole (lines are bounded by the body limit).
    return chunk || range.length < maxBytes ? chunk : this.peek(maxBytes * 2, scratch);
  }

  /** peek() with the read done off the event loop (the flusher's way). */
  async read(maxBytes: number, scratch?: Buffer): Promise<SpoolChunk | undefined> {
    const range = this.nextRange(maxBytes);
    if (!range) return undefined;
    const buffer = scratch && scratch.length >= range.length ? scratch : Buffer.allocUnsafe(range.length);
    const handle = await open(join(this.options.dir, segmentName(range.segment)), 'r');
    let bytesRead: number;
    try {
      ({ bytesRead } = await handle.read(buffer, 0, range.length, range.offset));
    } finally {
      await handle.close();
    }
    const chunk = this.toChunk(buffer.subarray(0, bytesRead), range);
    return chunk || range.length < maxBytes ? chunk : this.read(maxBytes * 2, scratch);
  }

  /**
   * Records that a chunk is in the warehouse. The cursor moves at once; its file is
   * written durably (then a finished segment deleted) off the event loop, in commit
   * order, and the promise settles when that is done. Should the process die first, the
   * chunk is sent again with the same deduplication token, as after any crash between an
   * insert and its commit.
   */
  commit(chunk: SpoolChunk): Promise<void> {
    this.cursor = chunk.next;
    const { segment, offset } = chunk.next;
    const write = this.cursorWrites.then(async () => {
      await writeFileDurablyAsync(join(this.options.dir, 'cursor.json'), JSON.stringify(chunk.next));
      if (segment !== this.writeSegment && offset >= (this.sizes.get(segment) ?? 0)) this.dropSegment(segment);
    });
    this.cursorWrites = write.catch(() => undefined);
    return write;
  }

  private dropSegment(segment: number): void {
    if (segment === this.writeSegment || !this.sizes.has(segment)) return;
    this.sizes.delete(segment);
    try {
      unlinkSync(join(this.options.dir, segmentName(segment)));
    } catch {
      // already gone
    }
  }

  /** Reads every line not yet in the warehouse (for rebuilding the dedup set at start). */
  *pendingLines(): Generator<string> {
    for (const [segment, size] of [...this.sizes].sort((a, b) => a[0] - b[0])) {
      const from = segment === this.cursor.segment ? this.cursor.offset : 0;
      if (size <= from) continue;
      const path = join(this.options.dir, segmentName(segment));
      if (statSync(path).size < size) continue;
      const fd = openSync(path, 'r');
      try {
        const buffer = Buffer.allocUnsafe(size - from);
        readSync(fd, buffer, 0, buffer.length, from);
        for (const line of buffer.toString('utf8').split('\n')) if (line) yield line;
      } finally {
        closeSync(fd);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.writer.settled();
    await this.cursorWrites;
    await this.writeHandle?.close();
    this.writeHandle = undefined;
  }
}
