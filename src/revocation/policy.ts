/**
 * Policies turn new flags into actions without a human: detector and minimum severity →
 * flag only, revoke the token, revoke its refresh family, block its app, or notify.
 * Allowlisted tokens and apps are never revoked automatically; beyond the blast-radius
 * limit (automatic revocations per hour) flags wait for a human as `needs_review` and an
 * alarm fires. The same limit holds per reporting key (the API keys that sent the flag's
 * evidence, evidence.reported_by): one stolen gateway key can make at most
 * max_auto_revocations_per_hour_per_key automatic revocations an hour.
 */
import { AUTOMATIC_ACTOR } from '../http/actor.js';
import type { Logger } from 'pino';
import { z } from 'zod';
import { SEVERITIES, type Config, type DetectorName } from '../config.js';
import type { Metrics } from '../metrics.js';
import { count64, defineQuery, TABLES, type Warehouse } from '../warehouse/warehouse.js';
import { revokeForFlag } from './for-flag.js';
import type { RevocationRequests, RevokeRequest } from './requests.js';
import type { RevocationTargets } from './targets.js';

const HOUR_MS = 3_600_000;

/** The key ids behind a flag's evidence (evidence.reported_by, src/detectors/provenance.ts); [] for older flags. */
function reportingKeys(evidence: Record<string, unknown>): string[] {
  const keys = evidence.reported_by;
  return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string' && k !== '') : [];
}

/**
 * What a policy reads of a new flag. The detectors' new flags (NewFlag) have this shape;
 * context.ts hands them over, so revocation does not import the detectors.
 */
export interface PolicyFlag {
  id: string;
  detector: DetectorName;
  finding: {
    subject_type: string;
    subject: string;
    token_fingerprint?: string;
    app_id?: string;
    user_id?: string;
    severity: (typeof SEVERITIES)[number];
    explanation: string;
    evidence: Record<string, unknown>;
  };
}

/** SEVERITIES runs from low to critical. */
const severityRank = (severity: (typeof SEVERITIES)[number]) => SEVERITIES.indexOf(severity);

/** What a policy needs of the flag store: holding a flag for a human. */
export interface FlagReviews {
  review(id: string, status: 'needs_review', actor: string, reason: string): Promise<unknown>;
}

/** Automatic revocations (source detector, a policy's actor) of the last hour, for the budgets after a restart. */
const automaticLastHour = defineQuery({
  name: 'automatic_revocations_last_hour',
  sql: `SELECT toUnixTimestamp64Milli(requested_at) AS at, flag_id FROM ${TABLES.revocations} FINAL
        WHERE source = 'detector' AND match(actor, {automatic:String}) AND requested_at >= now64(3) - toIntervalHour(1)`,
  params: z.object({ automatic: z.string() }),
  row: z.object({ at: count64, flag_id: z.string() }),
});

/** The reporting keys behind flags (evidence.reported_by). */
const reportingKeysOf = defineQuery({
  name: 'flag_reporting_keys',
  sql: `SELECT flag_id, JSONExtract(evidence, 'reported_by', 'Array(String)') AS keys FROM ${TABLES.flags} FINAL WHERE flag_id IN {ids:Array(String)}`,
  params: z.object({ ids: z.array(z.string()) }),
  row: z.object({ flag_id: z.string(), keys: z.array(z.string()) }),
});

export interface PolicyOutcome {
  flag_id: string;
  policy: number;
  action: string;
  revocations: string[];
  held?: 'allowlist' | 'blast_radius' | 'key_budget';
}

export class PolicyEngine {
  /** When automatic revocations were requested, for the blast-radius limit. */
  private recent: number[] = [];
  /** The same per reporting key id. */
  private recentByKey = new Map<string, number[]>();

  constructor(
    private readonly config: Config,
    private readonly warehouse: Warehouse,
    private readonly revoke: { targets: RevocationTargets; requests: RevocationRequests },
    private readonly flags: FlagReviews,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {}

  /** Counts the automatic revocations of the last hour already in the audit (after a restart). */
  async load(): Promise<void> {
    // Only what a policy did counts: the API can write neither this source nor these actors.
    const rows = await automaticLastHour(this.warehouse, { automatic: AUTOMATIC_ACTOR.source });
    this.recent = rows.map((r) => r.at);
    // Per key: the keys behind each of those revocations' flags (their evidence.reported_by).
    const flagIds = [...new Set(rows.map((r) => r.flag_id).filter(Boolean))];
    const keysOf = new Map<string, string[]>();
    if (flagIds.length > 0) {
      const flags = await reportingKeysOf(this.warehouse, { ids: flagIds });
      for (const f of flags) keysOf.set(f.flag_id, f.keys.filter(Boolean));
    }
    this.recentByKey = new Map();
    for (const r of rows) {
      for (const key of keysOf.get(r.flag_id) ?? []) this.recentByKey.set(key, [...(this.recentByKey.get(key) ?? []), r.at]);
    }
  }

  private budget(now: number): number {
    this.recent = this.recent.filter((t) => t > now - HOUR_MS);
    return this.config.revocation.max_auto_revocations_per_hour - this.recent.length;
  }

  /** What is left of a reporting key's hourly budget. */
  private keyBudget(key: string, now: number): number {
    const recent = (this.recentByKey.get(key) ?? []).filter((t) => t > now - HOUR_MS);
    this.recentByKey.set(key, recent);
    return this.config.revocation.max_auto_revocations_per_hour_per_key - recent.length;
  }

  async apply(newFlags: PolicyFlag[]): Promise<PolicyOutcome[]> {
    const outcomes: PolicyOutcome[] = [];
    for (const flag of newFlags) {
      for (const [index, policy] of this.config.revocation.policies.entries()) {
        if (!policy.detectors.includes(flag.detector)) continue;
        if (severityRank(flag.finding.severity) < severityRank(policy.min_severity)) continue;
        if (policy.action === 'flag_only') continue;
        outcomes.push(await this.act(flag, index));
      }
    }
    return outcomes;
  }

  private async act(flag: PolicyFlag, index: number): Promise<PolicyOutcome> {
    const policy = this.config.revocation.policies[index]!;
    const target = this.revoke.targets.resolve(policy.target);
    const f = flag.finding;
    const fp = f.token_fingerprint ?? (f.subject_type === 'token' ? f.subject : '');
    const outcome: PolicyOutcome = { flag_id: flag.id, policy: index, action: policy.action, revocations: [] };
    const allow = this.config.revocation.allowlist;
    if ((fp && allow.tokens.includes(fp)) || (f.app_id && allow.apps.includes(f.app_id))) {
      this.logger.info({ flag_id: flag.id, policy: index }, 'allowlisted: no automatic action');
      return { ...outcome, held: 'allowlist' };
    }

    const actor = `policy:${index}`;
    const reason = `${flag.detector}: ${f.explanation}`;
    if ((policy.action === 'revoke_token' || policy.action === 'revoke_family') && fp) {
      let held: PolicyOutcome['held'];
      const result = await revokeForFlag(
        { warehouse: this.warehouse, ...this.revoke },
        { flag_id: flag.id, token_fingerprint: fp, app_id: f.app_id, user_id: f.user_id },
        policy.action === 'revoke_token' ? 'token' : 'family',
        { target, source: 'detector', actor, reason, dry_run: policy.dry_run, hold: async (requests) => (held = await this.hold(flag, index, requests)) !== undefined },
      );
      return result.held ? { ...outcome, held } : { ...outcome, revocations: result.revocations.map((r) => r.id) };
    }

    const base = { target, source: 'detector' as const, actor, reason, flag_id: flag.id, dry_run: policy.dry_run };
    let requests: RevokeRequest[] = [];
    if (policy.action === 'block_app' && f.app_id) {
      // No account id: the adapter takes it from configuration or the identity provider, never from /v1/apps.
      requests = [{ ...base, action: 'block_app', token_fingerprint: `app:${f.app_id}`, app_id: f.app_id, scope: 'app' }];
    } else if (policy.action === 'notify') {
      requests = [
        {
          ...base,
          action: 'notify',
          token_fingerprint: fp || `${f.subject_type}:${f.subject}`,
          app_id: f.app_id,
          user_id: f.user_id,
          payload: { event: 'notify', flag_id: flag.id, detector: flag.detector, severity: f.severity, subject_type: f.subject_type, subject: f.subject, explanation: f.explanation },
        },
      ];
    }
    if (requests.length === 0) return outcome;
    const held = await this.hold(flag, index, requests);
    if (held) return { ...outcome, held };
    const results = await this.revoke.requests.request(requests);
    return { ...outcome, revocations: results.map((r) => r.revocation.id) };
  }

  /**
   * The budgets, before anything is recorded: beyond the blast-radius limit, or a
   * reporting key's own limit, the flag waits for a human (needs_review) and an alarm
   * fires. Otherwise the requests are counted against both.
   */
  private async hold(flag: PolicyFlag, index: number, requests: RevokeRequest[]): Promise<PolicyOutcome['held']> {
    const policy = this.config.revocation.policies[index]!;
    const counted = policy.dry_run || policy.action === 'notify' ? 0 : requests.length;
    const now = Date.now();
    if (counted > 0 && counted > this.budget(now)) {
      await this.flags.review(flag.id, 'needs_review', `policy:${index}`, `blast-radius limit of ${this.config.revocation.max_auto_revocations_per_hour} automatic revocations per hour reached`);
      this.metrics.alarms.inc({ kind: 'blast_radius' });
      this.logger.error({ flag_id: flag.id, limit: this.config.revocation.max_auto_revocations_per_hour }, 'ALARM: blast-radius limit reached; the flag waits for a human');
      return 'blast_radius';
    }
    // Every key behind the evidence answers for it: a compromised key cannot hide behind a legitimate one.
    const keys = reportingKeys(flag.finding.evidence);
    const spent = counted > 0 ? keys.filter((key) => counted > this.keyBudget(key, now)) : [];
    if (spent.length > 0) {
      const limit = this.config.revocation.max_auto_revocations_per_hour_per_key;
      await this.flags.review(flag.id, 'needs_review', `policy:${index}`, `per-key limit of ${limit} automatic revocations per hour reached for key ${spent.join(', ')}`);
      for (const key of spent) this.metrics.keyRevocationBudgetExhausted.inc({ key_id: key });
      this.metrics.alarms.inc({ kind: 'key_budget' });
      this.logger.error({ flag_id: flag.id, keys: spent, limit }, 'ALARM: a reporting key used up its automatic-revocation budget; the flag waits for a human');
      return 'key_budget';
    }
    for (let i = 0; i < counted; i++) this.recent.push(now);
    for (const key of keys) {
      const list = this.recentByKey.get(key) ?? [];
      for (let i = 0; i < counted; i++) list.push(now);
      this.recentByKey.set(key, list);
    }
    return undefined;
  }
}
