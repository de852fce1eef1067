/**
 * Scores flags against the ground truth.
 * - A flag matches an attack when it names one of the attack's entities (token
 *   fingerprint, user, address or /24, or a block holding one of its addresses) and its window ends after the attack started
 *   (5 minutes' slack for window alignment).
 * - recall per kind: attacks with at least one matching flag, by any detector;
 * - precision of flagged subjects: distinct (subject_type, subject) pairs with at least
 *   one matching flag, over all flagged subjects;
 * - benign tokens flagged per 1,000 per day: distinct (token, day) pairs flagged without
 *   matching an attack, over (token, day) pairs in which the token was used; attackers'
 *   own credentials (stuffing guesses, minted tokens) are in neither; the same per
 *   principal (a user, or a key without one);
 * - time to detect: streaming, the end of the window after which the flag was first
 *   listed, minus the attack's first event; backfill, the flag's window end minus it.
 */
import { BlockList, isIP } from 'node:net';
import { fp, type FlagRow, type RunResult } from './harness.js';
import { ATTACK_KINDS, type Attack, type AttackKind, type Traffic } from './traffic.js';
import { AUTOMATIC_DETECTORS } from '../../src/config.js';

const AUTOMATIC: ReadonlySet<string> = new Set(AUTOMATIC_DETECTORS);

const DAY = 86_400_000;
const SLACK = 5 * 60_000;

export interface KindScore {
  kind: AttackKind;
  attacks: number;
  detected: number;
  recall: number;
  /** Detected by the detector named after the kind. */
  byOwnDetector: number;
  medianTtdMin: number | null;
  missed: string[];
}

export interface Score {
  kinds: KindScore[];
  recallAll: number;
  precision: number;
  flaggedSubjects: number;
  falseSubjects: { subject: string; detectors: string[]; example: string }[];
  benignPer1000PerDay: number;
  benignFlaggedTokenDays: number;
  benignTokenDays: number;
  /**
   * The same per principal — a user (all their tokens and devices); else the OAuth client of a
   * token (client_credentials); else the key — so tokens that rotate hourly or per container
   * do not dilute it.
   */
  benignPrincipalsPer1000PerDay: number;
  benignFlaggedPrincipalDays: number;
  benignPrincipalDays: number;
  medianTtdMin: number | null;
  /**
   * Per detector: flags, of which matched an attack; `acting`: the same for the flags the
   * default policy revokes on its own (AUTOMATIC_DETECTORS, severity high or critical, naming a token).
   */
  detectors: Record<string, { flags: number; matched: number; precision: number; acting: { flags: number; matched: number } }>;
  /** Flags that matched no attack, one line each (detector, severity, explanation). */
  unmatched: string[];
  /** False positives by the benign population of the flagged token. */
  falseByPopulation: Record<string, number>;
}

interface Truth {
  attack: Attack;
  fps: Set<string>;
  ips: Set<string>;
  users: Set<string>;
  /** The apps of the attacked tokens: an app-wide flag (a failure surge at the app) names one. */
  apps: Set<string>;
}

const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function ipsOf(flag: FlagRow): string[] {
  const out: string[] = [];
  // Address subjects, whatever the product calls the type (an address or a block: 'ip', 'prefix', 'cidr', 'network').
  if (['ip', 'prefix', 'cidr', 'network'].includes(flag.subject_type ?? '')) out.push(String(flag.subject));
  if (typeof flag.ip === 'string' && flag.ip) out.push(flag.ip);
  return out.map((ip) => ip.replace(/^::ffff:/, ''));
}

/** Whether `ip` lies inside `cidr` (IPv4 /8–/32 or IPv6 /16–/128, same family); malformed blocks never match. */
export function inBlock(ip: string, cidr: string): boolean {
  const [base = '', bits] = cidr.split('/');
  const n = Number(bits);
  const family = isIP(base);
  if (family === 0 || isIP(ip) !== family || !Number.isInteger(n)) return false;
  if (family === 4 ? n < 8 || n > 32 : n < 16 || n > 128) return false;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const list = new BlockList();
  list.addSubnet(base, n, type);
  return list.check(ip, type);
}

function matches(flag: FlagRow, t: Truth): boolean {
  const end = Date.parse(flag.window_end ?? '') || Date.parse(flag.created_at ?? '') || 0;
  if (end < t.attack.start - SLACK) return false;
  const fpHit = (flag.token_fingerprint && t.fps.has(flag.token_fingerprint)) || (flag.subject_type === 'token' && t.fps.has(String(flag.subject)));
  if (fpHit) return true;
  if (flag.subject_type === 'user' && t.users.has(String(flag.subject))) return true;
  if (flag.subject_type === 'app' && t.apps.has(String(flag.subject))) return true;
  for (const ip of ipsOf(flag)) {
    if (t.ips.has(ip)) return true;
    if (ip.includes('/') && [...t.ips].some((a) => inBlock(a, ip))) return true;
    const p = ip.split('/')[0]!.split('.');
    if (p.length === 4 && t.ips.has(`${p[0]}.${p[1]}.${p[2]}.0/24`)) return true;
  }
  return false;
}

export function score(traffic: Traffic, run: RunResult): Score {
  const truths: Truth[] = traffic.attacks.map((a) => ({
    attack: a,
    fps: new Set(a.tokens.map(fp)),
    ips: new Set(a.ips),
    users: new Set(a.users),
    apps: new Set(a.tokens.map((raw) => traffic.tokens.get(raw)?.appId ?? '').filter(Boolean)),
  }));
  const fpToRaw = new Map<string, string>();
  for (const raw of traffic.tokens.keys()) fpToRaw.set(fp(raw), raw);
  const attackOnlyFps = new Set([...traffic.attackOnly].map(fp));

  const firstHit = new Map<string, number>(); // attack id → detection time
  const ownHit = new Set<string>();
  const subjects = new Map<string, { matched: boolean; detectors: Set<string>; example: string }>();
  const detectors: Score['detectors'] = {};
  const benignFlagged = new Set<string>();
  const benignPrincipals = new Set<string>();
  // A user; else the OAuth client for its tokens (client_credentials: one per container); else the key itself.
  const principalOf = (raw: string): string => {
    const t = traffic.tokens.get(raw);
    if (!t) return raw;
    if (t.userId) return `user:${t.userId}`;
    return t.type === 'access_token' || t.type === 'refresh_token' ? `client:${t.clientId}` : raw;
  };
  const falseByPopulation: Record<string, number> = {};
  const unmatched: string[] = [];

  for (const flag of run.flags) {
    const hits = truths.filter((t) => matches(flag, t));
    const d = (detectors[flag.detector] ??= { flags: 0, matched: 0, precision: 0, acting: { flags: 0, matched: 0 } });
    d.flags++;
    if (hits.length > 0) d.matched++;
    if (AUTOMATIC.has(flag.detector) && (flag.severity === 'high' || flag.severity === 'critical') && flag.token_fingerprint) {
      d.acting.flags++;
      if (hits.length > 0) d.acting.matched++;
    }
    if (hits.length === 0) unmatched.push(`[${flag.detector} ${flag.severity ?? ''}] ${String(flag.explanation ?? '')}`);
    const when = run.mode === 'streaming' ? run.seenAt.get(flag.flag_id)! : Date.parse(flag.window_end ?? '');
    for (const t of hits) {
      const prev = firstHit.get(t.attack.id);
      if (prev === undefined || when < prev) firstHit.set(t.attack.id, when);
      if (flag.detector === t.attack.kind) ownHit.add(t.attack.id);
    }
    const key = `${flag.subject_type}:${flag.subject}`;
    const s = subjects.get(key) ?? { matched: false, detectors: new Set<string>(), example: String(flag.explanation ?? '') };
    s.matched ||= hits.length > 0;
    s.detectors.add(flag.detector);
    subjects.set(key, s);
    if (hits.length === 0 && flag.token_fingerprint && !attackOnlyFps.has(flag.token_fingerprint)) {
      const day = Math.floor((Date.parse(flag.window_start ?? flag.window_end ?? '') || 0) / DAY);
      benignFlagged.add(`${flag.token_fingerprint}@${day}`);
      const raw = fpToRaw.get(flag.token_fingerprint);
      benignPrincipals.add(`${raw ? principalOf(raw) : flag.token_fingerprint}@${day}`);
      const pop = raw ? traffic.tokens.get(raw)!.population : 'unknown';
      falseByPopulation[pop] = (falseByPopulation[pop] ?? 0) + 1;
    }
  }
  for (const d of Object.values(detectors)) d.precision = d.flags ? d.matched / d.flags : 1;

  const tokenDays = new Set<string>();
  const principalDays = new Set<string>();
  for (const e of traffic.usage) {
    if (traffic.attackOnly.has(e.token)) continue;
    tokenDays.add(`${e.token}@${Math.floor(e.ts / DAY)}`);
    principalDays.add(`${principalOf(e.token)}@${Math.floor(e.ts / DAY)}`);
  }

  const kinds: KindScore[] = ATTACK_KINDS.map((kind) => {
    const list = traffic.attacks.filter((a) => a.kind === kind);
    const detected = list.filter((a) => firstHit.has(a.id));
    const ttd = detected.map((a) => (firstHit.get(a.id)! - a.start) / 60_000);
    return {
      kind, attacks: list.length, detected: detected.length, recall: list.length ? detected.length / list.length : 1,
      byOwnDetector: list.filter((a) => ownHit.has(a.id)).length,
      medianTtdMin: median(ttd), missed: list.filter((a) => !firstHit.has(a.id)).map((a) => `${a.id} (${a.variant})`),
    };
  });
  const allTtd = traffic.attacks.filter((a) => firstHit.has(a.id)).map((a) => (firstHit.get(a.id)! - a.start) / 60_000);
  const flagged = [...subjects.values()];
  return {
    kinds,
    recallAll: traffic.attacks.length ? firstHit.size / traffic.attacks.length : 1,
    precision: flagged.length ? flagged.filter((s) => s.matched).length / flagged.length : 1,
    flaggedSubjects: flagged.length,
    falseSubjects: [...subjects.entries()].filter(([, s]) => !s.matched).map(([subject, s]) => ({ subject, detectors: [...s.detectors], example: s.example })),
    benignPer1000PerDay: tokenDays.size ? (benignFlagged.size / tokenDays.size) * 1000 : 0,
    benignFlaggedTokenDays: benignFlagged.size,
    benignTokenDays: tokenDays.size,
    benignPrincipalsPer1000PerDay: principalDays.size ? (benignPrincipals.size / principalDays.size) * 1000 : 0,
    benignFlaggedPrincipalDays: benignPrincipals.size,
    benignPrincipalDays: principalDays.size,
    medianTtdMin: median(allTtd),
    detectors,
    falseByPopulation,
    unmatched,
  };
}
