/**
 * A stand-in for the tokenwatch side the gateway talks to, on 127.0.0.1:0: the revocation
 * feed (paged GET and SSE, with heartbeats, pushes and dropped connections on demand)
 * and POST /v1/events (recorded; 202 or an outage on demand).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FeedEntry {
  token_fingerprint: string;
  revoked_at: string;
  source: string;
  reason: string;
  cursor: string;
}

export interface StandInOptions {
  key: string;
  /** Heartbeat period of SSE streams; 0 = none. */
  heartbeatMs?: number;
  /** Most entries one GET page returns, whatever the limit asked. */
  pageSize?: number;
}

export interface Batch {
  contentType: string | undefined;
  authorization: string | undefined;
  body: string;
  status: number;
}

export interface StandIn {
  url: string;
  entries: FeedEntry[];
  /** SSE connections as they came: the cursor they asked to resume from. */
  streams: { since: string | null; lastEventId: string | null }[];
  pages: { since: string | null; limit: string | null }[];
  batches: Batch[];
  /** Status POST /v1/events answers (202, or e.g. 503 with Retry-After). */
  eventsStatus: number;
  retryAfter: string;
  /** Delay before POST /v1/events answers (a slow tokenwatch). */
  eventsDelayMs: number;
  openStreams(): number;
  /** Appends a revocation and pushes it to every open stream. */
  revoke(fingerprint: string): FeedEntry;
  /** Destroys every open SSE connection (a network failure, not a clean end). */
  dropStreams(): void;
  /** The feed's data was reset: same entries, new cursors; old cursors are answered with 400. */
  resetCursors(): void;
  close(): Promise<void>;
}


/** One event written in two pieces with CRLF line ends: the client must reassemble it. */
function writeEvent(res: ServerResponse, entry: FeedEntry): void {
  const text = `id: ${entry.cursor}\r\nevent: revoked\r\ndata: ${JSON.stringify(entry)}\r\n\r\n`;
  const cut = Math.floor(text.length / 2);
  res.write(text.slice(0, cut));
  res.write(text.slice(cut));
}

export async function startStandIn(options: StandInOptions): Promise<StandIn> {
  const pageSize = options.pageSize ?? 100;
  const open = new Map<ServerResponse, NodeJS.Timeout | undefined>();
  let epoch = 0;
  const delayed = new Set<NodeJS.Timeout>();
  const cursorOf = (n: number) => `e${epoch}-${String(n).padStart(8, '0')}`;

  const standIn: StandIn = {
    url: '',
    entries: [],
    streams: [],
    pages: [],
    batches: [],
    eventsStatus: 202,
    retryAfter: '1',
    eventsDelayMs: 0,
    openStreams: () => open.size,
    revoke(fingerprint) {
      const entry: FeedEntry = {
        token_fingerprint: fingerprint,
        revoked_at: new Date().toISOString(),
        source: 'test',
        reason: 'pushed by the test',
        cursor: cursorOf(standIn.entries.length + 1),
      };
      standIn.entries.push(entry);
      for (const res of open.keys()) writeEvent(res, entry);
      return entry;
    },
    dropStreams() {
      for (const res of open.keys()) res.socket?.destroy();
    },
    resetCursors() {
      epoch++;
      standIn.entries.forEach((e, i) => (e.cursor = cursorOf(i + 1)));
    },
    async close() {
      for (const timer of delayed) clearTimeout(timer);
      for (const res of open.keys()) res.socket?.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  /** Index of the first entry after `since`; -1 for a cursor this feed never gave. */
  const after = (since: string | null) => {
    if (since === null || since === '') return 0;
    const i = standIn.entries.findIndex((e) => e.cursor === since);
    return i < 0 ? -1 : i + 1;
  };

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    if (req.headers.authorization !== `Bearer ${options.key}`) {
      return json(res, 401, { error: { code: 'unauthorized', message: 'bad key', details: [] } });
    }
    if (req.method === 'GET' && url.pathname === '/v1/revocation-feed') {
      const since = url.searchParams.get('since');
      const from = after(since);
      if (from < 0) return json(res, 400, { error: { code: 'invalid_request', message: 'since: not a cursor from this feed', details: [] } });
      if ((req.headers.accept ?? '').includes('text/event-stream')) {
        const lastEventId = req.headers['last-event-id'];
        standIn.streams.push({ since, lastEventId: typeof lastEventId === 'string' ? lastEventId : null });
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write(': hello\n\n');
        for (const entry of standIn.entries.slice(from)) writeEvent(res, entry);
        const heartbeat = options.heartbeatMs ? setInterval(() => res.write(': ping\n\n'), options.heartbeatMs) : undefined;
        open.set(res, heartbeat);
        res.on('close', () => {
          clearInterval(open.get(res));
          open.delete(res);
        });
        return;
      }
      standIn.pages.push({ since, limit: url.searchParams.get('limit') });
      const limit = Math.min(pageSize, Number(url.searchParams.get('limit') ?? pageSize));
      const entries = standIn.entries.slice(from).slice(0, limit);
      return json(res, 200, { entries, next_cursor: entries.at(-1)?.cursor ?? since ?? null });
    }
    if (req.method === 'POST' && url.pathname === '/v1/events') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const timer = setTimeout(() => {
          delayed.delete(timer);
          answer();
        }, standIn.eventsDelayMs);
        delayed.add(timer);
      });
      const answer = () => {
        const status = standIn.eventsStatus;
        standIn.batches.push({
          contentType: req.headers['content-type'],
          authorization: req.headers.authorization,
          body: Buffer.concat(chunks).toString('utf8'),
          status,
        });
        if (status === 202) {
          const n = Buffer.concat(chunks).toString('utf8').split('\n').filter(Boolean).length;
          return json(res, 202, { accepted: n, duplicates: 0, rejected: [] });
        }
        json(res, status, { error: { code: 'unavailable', message: 'try later', details: [] } }, { 'retry-after': standIn.retryAfter });
      };
      return;
    }
    json(res, 404, { error: { code: 'not_found', message: 'no such route', details: [] } });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  standIn.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return standIn;
}

/** Polls until `check` is true; throws with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
