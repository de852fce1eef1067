/**
 * What a revocation would take: the live tokens, users and apps it covers, the traffic it
 * would cut, and the time at the target's measured pace, with the assumptions in words.
 */
import { z } from 'zod';
import type { Config } from '../config.js';
import { countLive, familyMembersSql, type Selector } from '../registry/index.js';
import { count64, defineQuery, TABLES, type Warehouse } from '../warehouse/warehouse.js';
import { DEFAULT_LATENCY_MS, DEFAULT_SUCCESS_RATE, type Dispatcher } from './dispatcher.js';
import type { RevocationTargets } from './targets.js';

/** The pace an estimate assumes with no revocation target configured: a target's default rate_limit_per_sec. */
export const DEFAULT_PACE_PER_SEC = 50;

/** Assumptions every estimate states. */
const ASSUME = {
  live: 'live tokens: seen by tokenwatch (lifecycle or usage), not revoked, not expired, not rotated away by a refresh',
  users: 'users and apps: exact up to 65,536 distinct values, within about 1% beyond',
  traffic: 'traffic share: requests of these tokens in the last hour over all requests in the last hour',
};

const sumRow = z.object({ n: count64 });
const since = z.object({ from: z.date() });
const sinceFor = since.extend({ v: z.string() });
/** Requests in the last hour: everyone's, and a selector's from the rollup that has its key. */
const trafficOf = {
  all: defineQuery({ name: 'traffic_all', sql: `SELECT sum(requests) AS n FROM ${TABLES.usageApp1m} WHERE minute >= {from:DateTime64(3)}`, params: since, row: sumRow }),
  app: defineQuery({ name: 'traffic_app', sql: `SELECT sum(requests) AS n FROM ${TABLES.usageApp1m} WHERE minute >= {from:DateTime64(3)} AND app_id = {v:String}`, params: sinceFor, row: sumRow }),
  user: defineQuery({ name: 'traffic_user', sql: `SELECT sum(requests) AS n FROM ${TABLES.usageUser1m} WHERE minute >= {from:DateTime64(3)} AND user_id = {v:String}`, params: sinceFor, row: sumRow }),
  token: defineQuery({ name: 'traffic_token', sql: `SELECT sum(requests) AS n FROM ${TABLES.usageToken1m} WHERE minute >= {from:DateTime64(3)} AND token_fingerprint = {v:String}`, params: sinceFor, row: sumRow }),
  family: defineQuery({
    name: 'traffic_family',
    sql: `SELECT sum(requests) AS n FROM ${TABLES.usageToken1m} WHERE minute >= {from:DateTime64(3)} AND token_fingerprint IN (${familyMembersSql('v')})`,
    params: sinceFor,
    row: sumRow,
  }),
};

export class Estimates {
  constructor(
    private readonly config: Config,
    private readonly warehouse: Warehouse,
    private readonly dispatcher: Dispatcher,
    private readonly targets: RevocationTargets,
  ) {}

  /** Revocations a second a target sustains: its rate limit, or concurrency over latency, times success. */
  effectiveRate(target: string): { per_sec: number; latency_ms: number; success_rate: number; measured: boolean; bound: 'rate_limit' | 'concurrency' } {
    const t = this.config.revocation.targets[target];
    const stats = this.dispatcher.stats().find((s) => s.target === target);
    const latency = stats && stats.samples > 0 ? stats.latency_ms : DEFAULT_LATENCY_MS;
    const success = stats && stats.samples > 0 ? Math.max(stats.success_rate, 0.01) : DEFAULT_SUCCESS_RATE;
    const rateLimit = t?.rate_limit_per_sec ?? 50;
    const byConcurrency = ((t?.concurrency ?? 4) * 1000) / Math.max(latency, 1);
    return {
      per_sec: Math.min(rateLimit, byConcurrency) * success,
      latency_ms: latency,
      success_rate: success,
      measured: (stats?.samples ?? 0) > 0,
      bound: rateLimit <= byConcurrency ? 'rate_limit' : 'concurrency',
    };
  }

  /** Live tokens, users and apps of a selector (registry/live-tokens.ts). */
  countLive(selector: Selector): Promise<{ live: number; users: number; apps: number }> {
    return countLive(this.warehouse, selector);
  }

  async estimate(selector: Selector, targetName: string | undefined) {
    if (this.targets.noTarget(targetName)) return this.estimateWithoutTarget(selector);
    const target = this.targets.resolve(targetName);
    const [live, traffic] = await Promise.all([this.countLive(selector), this.traffic(selector)]);
    const rate = this.effectiveRate(target);
    const t = this.config.revocation.targets[target]!;
    const seconds = live.live / Math.max(rate.per_sec, 0.001);
    return {
      scope: selector.scope,
      selector: selector.value || null,
      target,
      live_tokens: live.live,
      users: live.users,
      apps: live.apps,
      traffic: traffic,
      eta_seconds: Math.ceil(seconds),
      throughput: {
        revocations_per_sec: Math.round(rate.per_sec * 100) / 100,
        rate_limit_per_sec: t.rate_limit_per_sec,
        concurrency: t.concurrency,
        latency_ms: rate.latency_ms,
        success_rate: rate.success_rate,
        measured: rate.measured,
        bound_by: rate.bound,
      },
      assumptions: [
        ASSUME.live,
        ASSUME.users,
        rate.measured
          ? `throughput measured on ${target}: ${rate.latency_ms} ms per call, ${(rate.success_rate * 100).toFixed(1)}% success`
          : `no history for ${target} yet: assuming ${DEFAULT_LATENCY_MS} ms per call and ${DEFAULT_SUCCESS_RATE * 100}% success`,
        `throughput = min(rate limit ${t.rate_limit_per_sec}/s, concurrency ${t.concurrency} / latency) × success rate`,
        ASSUME.traffic,
        'tokens that need a revocation handle (RFC 7009, 3scale, WSO2) and have none will fail with no_revocation_handle',
      ],
    };
  }

  /** The estimate on an install with no revocation target yet: the same counts, at a stated default pace. */
  private async estimateWithoutTarget(selector: Selector) {
    const [live, traffic] = await Promise.all([this.countLive(selector), this.traffic(selector)]);
    return {
      scope: selector.scope,
      selector: selector.value || null,
      target: null,
      live_tokens: live.live,
      users: live.users,
      apps: live.apps,
      traffic,
      eta_seconds: Math.ceil(live.live / DEFAULT_PACE_PER_SEC),
      throughput: {
        revocations_per_sec: DEFAULT_PACE_PER_SEC,
        rate_limit_per_sec: DEFAULT_PACE_PER_SEC,
        concurrency: null,
        latency_ms: null,
        success_rate: null,
        measured: false,
        bound_by: 'default_pace',
      },
      assumptions: [
        ASSUME.live,
        ASSUME.users,
        `no revocation target is configured: assuming the default pace of ${DEFAULT_PACE_PER_SEC} revocations/s (a target's default rate_limit_per_sec); revoking needs a target under revocation.targets`,
        ASSUME.traffic,
      ],
    };
  }

  private async traffic(selector: Selector): Promise<{ requests_last_hour: number; requests_per_minute: number; share_of_traffic: number }> {
    const from = new Date(Date.now() - 3_600_000);
    const [all] = await trafficOf.all(this.warehouse, { from });
    const total = all?.n ?? 0;
    const [own] = selector.scope === 'all' ? [all] : await trafficOf[selector.scope](this.warehouse, { from, v: selector.value });
    const mine = own?.n ?? 0;
    return { requests_last_hour: mine, requests_per_minute: Math.round((mine / 60) * 10) / 10, share_of_traffic: total > 0 ? Math.round((mine / total) * 10_000) / 10_000 : 0 };
  }
}
