/**
 * Sends generated traffic through the public HTTP API — usage as a gateway (ingest key),
 * lifecycle as an identity provider (idp key, admin if the idp role is refused) — runs
 * detection through POST /v1/detections/run and scores what GET /v1/flags answers against
 * the ground truth. Two modes:
 * - backfill: everything first, then one detection run over the whole range;
 * - streaming: history up to the warm-up end at once (no attacks in it), then window by
 *   window: a window's events, then a detection run over that window; detectors never see
 *   events after the window they are judging.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/app.js';
import type { App } from '../../src/http/app-type.js';
import { loadConfig } from '../../src/config.js';
import { openContext, type Context } from '../../src/context.js';
import { createLogger } from '../../src/logger.js';
import { fingerprint } from '../../src/ingest/fingerprint.js';
import type { Traffic, UsageEvent, LifecycleEvent, AttackKind } from './traffic.js';
import { ATTACK_KINDS } from './traffic.js';

const KEYS = {
  ingest: 'quality-ingest-key-0123456789',
  idp: 'quality-idp-key-0123456789abc',
  read: 'quality-read-key-0123456789ab',
  admin: 'quality-admin-key-0123456789a',
} as const;
const PEPPER = 'quality-harness-pepper-not-secret-0123456789';

export type Mode = 'backfill' | 'streaming';

/** A flag as GET /v1/flags lists it; only the fields the scoring reads are typed. */
export interface FlagRow {
  flag_id: string;
  detector: string;
  subject_type?: string;
  subject?: string;
  token_fingerprint?: string | null;
  user_id?: string | null;
  ip?: string | null;
  window_start?: string;
  window_end?: string;
  created_at?: string;
  severity?: string;
  [k: string]: unknown;
}

export interface Delivery {
  usageSent: number;
  usageAccepted: number;
  usageRejected: Record<string, number>;
  lifecycleSent: number;
  lifecycleAccepted: number;
  lifecycleRejected: Record<string, number>;
  /** The role whose key POST /v1/tokens took: the contract says idp (or admin); ingest is the last resort. */
  lifecycleRole: 'idp' | 'admin' | 'ingest';
}

export interface RunResult {
  mode: Mode;
  flags: FlagRow[];
  /** Flag id → traffic time at which the flag first existed (streaming: end of the window). */
  seenAt: Map<string, number>;
  delivery: Delivery;
  detectionRuns: number;
  seconds: number;
}

export interface HarnessOptions {
  /** Streaming window, ms (default 5 min). */
  windowMs?: number;
  log?: (line: string) => void;
}

export async function runHarness(traffic: Traffic, mode: Mode, opts: HarnessOptions = {}): Promise<RunResult> {
  const t0 = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-quality-'));
  const config = loadConfig(
    {
      TOKENWATCH_DATA_DIR: dir,
      TOKENWATCH_API_KEYS: Object.entries(KEYS).map(([role, key]) => `${role}:${key}`).join(','),
      TOKENWATCH_PEPPER: PEPPER,
      TOKENWATCH_LOG_LEVEL: 'warn',
      TOKENWATCH_PORT: '0',
    },
    {},
  );
  const ctx = await openContext(config, { logger: createLogger('error') });
  const app = await buildApp(ctx);
  await app.ready();
  const h = new Harness(app, ctx, traffic, opts);
  try {
    if (mode === 'backfill') {
      await h.send(traffic.end);
      await h.detect(traffic.oldest, traffic.end, traffic.end);
    } else {
      const w = opts.windowMs ?? 5 * 60_000;
      await h.send(traffic.warmEnd);
      if (traffic.warmEnd > traffic.oldest) await h.detect(traffic.oldest, traffic.warmEnd, traffic.warmEnd);
      for (let from = traffic.warmEnd; from < traffic.end; from += w) {
        const to = Math.min(from + w, traffic.end);
        await h.send(to);
        await h.detect(from, to, to);
      }
    }
    return { mode, flags: [...h.flags.values()], seenAt: h.seenAt, delivery: h.delivery, detectionRuns: h.runs, seconds: (Date.now() - t0) / 1000 };
  } finally {
    await app.close();
    await ctx.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function fp(raw: string): string {
  return fingerprint(PEPPER, raw);
}

class Harness {
  readonly flags = new Map<string, FlagRow>();
  readonly seenAt = new Map<string, number>();
  runs = 0;
  readonly delivery: Delivery = {
    usageSent: 0, usageAccepted: 0, usageRejected: {}, lifecycleSent: 0, lifecycleAccepted: 0, lifecycleRejected: {}, lifecycleRole: 'idp',
  };
  private usageIdx = 0;
  private lifeIdx = 0;

  constructor(private readonly app: App, private readonly ctx: Context, private readonly traffic: Traffic, private readonly opts: HarnessOptions) {}

  /**
   * Sends every event not sent yet with ts < to (lifecycle events may be older than the
   * traffic: keys issued months ago); lifecycle first within a slice so issued precedes use.
   */
  async send(to: number): Promise<void> {
    const life: LifecycleEvent[] = [];
    while (this.lifeIdx < this.traffic.lifecycle.length && this.traffic.lifecycle[this.lifeIdx]!.ts < to) {
      life.push(this.traffic.lifecycle[this.lifeIdx++]!);
    }
    const usage: UsageEvent[] = [];
    while (this.usageIdx < this.traffic.usage.length && this.traffic.usage[this.usageIdx]!.ts < to) usage.push(this.traffic.usage[this.usageIdx++]!);
    for (let i = 0; i < life.length; i += 2000) await this.postLifecycle(life.slice(i, i + 2000));
    for (let i = 0; i < usage.length; i += 5000) await this.postUsage(usage.slice(i, i + 5000));
    await this.ctx.flusher.drained(120_000);
  }

  private wireUsage(e: UsageEvent): Record<string, unknown> {
    const info = this.traffic.tokens.get(e.token);
    const { token, ts, ...rest } = e;
    const named = info?.sendAs === 'fp' ? { token_fingerprint: fp(token) } : { token };
    return { ...rest, ...named, ts: new Date(ts).toISOString() };
  }

  private wireLifecycle(e: LifecycleEvent): Record<string, unknown> {
    const info = this.traffic.tokens.get(e.token);
    const { token, ts, rotated_from, issued_at, expires_at, ...rest } = e;
    const byFp = info?.sendAs === 'fp';
    const out: Record<string, unknown> = { ...rest, ts: new Date(ts).toISOString() };
    if (byFp) out.token_fingerprint = fp(token);
    else out.token = token;
    if (rotated_from !== undefined) out.rotated_from = byFp ? fp(rotated_from) : rotated_from;
    if (issued_at !== undefined) out.issued_at = new Date(issued_at).toISOString();
    if (expires_at !== undefined) out.expires_at = expires_at === null ? null : new Date(expires_at).toISOString();
    return out;
  }

  private async postUsage(batch: UsageEvent[]): Promise<void> {
    const body = batch.map((e) => JSON.stringify(this.wireUsage(e))).join('\n');
    const res = await this.app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${KEYS.ingest}`, 'content-type': 'application/x-ndjson' }, payload: body });
    this.delivery.usageSent += batch.length;
    this.count(res.statusCode, res.body, batch.length, 'usage');
  }

  private async postLifecycle(batch: LifecycleEvent[]): Promise<void> {
    const body = batch.map((e) => JSON.stringify(this.wireLifecycle(e))).join('\n');
    const post = (key: string) => this.app.inject({ method: 'POST', url: '/v1/tokens', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' }, payload: body });
    let res = await post(KEYS[this.delivery.lifecycleRole]);
    for (const next of ['admin', 'ingest'] as const) {
      if (res.statusCode !== 403 || this.delivery.lifecycleRole === 'ingest') break;
      if (next === 'ingest' && this.delivery.lifecycleRole !== 'admin') continue;
      this.delivery.lifecycleRole = next;
      res = await post(KEYS[next]);
    }
    this.delivery.lifecycleSent += batch.length;
    this.count(res.statusCode, res.body, batch.length, 'lifecycle');
  }

  private count(status: number, body: string, n: number, what: 'usage' | 'lifecycle'): void {
    const rejected = what === 'usage' ? this.delivery.usageRejected : this.delivery.lifecycleRejected;
    const add = (reason: string, k = 1) => { rejected[reason] = (rejected[reason] ?? 0) + k; };
    let parsed: { accepted?: number; duplicates?: number; rejected?: { error: string }[]; error?: { message: string; details?: unknown[] } } = {};
    try { parsed = JSON.parse(body); } catch { /* not JSON */ }
    if (status === 202 || status === 200) {
      const ok = (parsed.accepted ?? 0) + (parsed.duplicates ?? 0);
      if (what === 'usage') this.delivery.usageAccepted += ok; else this.delivery.lifecycleAccepted += ok;
      for (const r of parsed.rejected ?? []) add(shortReason(r.error));
      const missing = n - ok - (parsed.rejected?.length ?? 0);
      if (missing > 0 && parsed.accepted === undefined) add(`HTTP ${status} without counts`, missing);
    } else {
      const details = parsed.error?.details;
      if (Array.isArray(details) && details.length > 0) {
        for (const d of details) add(shortReason(JSON.stringify(d)));
      } else {
        add(`HTTP ${status}: ${shortReason(parsed.error?.message ?? body)}`, n);
      }
    }
  }

  async detect(from: number, to: number, now: number): Promise<void> {
    const res = await this.app.inject({
      method: 'POST', url: '/v1/detections/run', headers: { authorization: `Bearer ${KEYS.admin}` },
      payload: { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
    });
    this.runs++;
    if (res.statusCode >= 300) throw new Error(`detections/run ${new Date(from).toISOString()}..${new Date(to).toISOString()} ${res.statusCode}: ${res.body.slice(0, 500)}`);
    this.opts.log?.(`detections/run ${new Date(from).toISOString()}..${new Date(to).toISOString()}: ${res.body.slice(0, 300)}`);
    await this.collectFlags(now);
  }

  private async collectFlags(now: number): Promise<void> {
    for (let offset = 0; ; ) {
      const res = await this.app.inject({ method: 'GET', url: `/v1/flags?limit=500&offset=${offset}&sort=time`, headers: { authorization: `Bearer ${KEYS.read}` } });
      if (res.statusCode !== 200) throw new Error(`GET /v1/flags ${res.statusCode}: ${res.body.slice(0, 500)}`);
      const body = JSON.parse(res.body) as { flags?: FlagRow[]; data?: FlagRow[]; items?: FlagRow[] } | FlagRow[];
      const page = Array.isArray(body) ? body : (body.flags ?? body.data ?? body.items ?? []);
      for (const f of page) {
        if (!this.flags.has(f.flag_id)) this.seenAt.set(f.flag_id, now);
        this.flags.set(f.flag_id, f);
      }
      if (page.length < 500) break;
      offset += page.length;
    }
  }
}

function shortReason(s: string): string {
  return s.replace(/[0-9a-f]{64}/g, '<fp>').replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<ts>').slice(0, 160);
}

export { ATTACK_KINDS, type AttackKind };
