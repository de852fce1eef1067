/**
 * A real public log with a documented attack as a third source: loghub's OpenSSH_2k.log
 * (https://github.com/logpai/loghub, Zhu et al., ISSRE 2023) — four hours of an sshd on
 * the internet, brute-forced by 23 addresses. Mapped to usage events as a gateway would
 * send them: one event per login attempt, the user name as the credential, a failure as
 * 401 and an accepted login as 200. "message repeated N times: [ Failed password … ]"
 * stands for N attempts. Timestamps keep their spacing and are moved to end just before
 * now (the log has no year; ingest wants recent times).
 *
 * Attacking addresses = every address with at least one failed password (the log's own
 * ground truth: the lab server had one legitimate user, logging in successfully).
 */
import type { Attack, TokenInfo, Traffic, UsageEvent } from './traffic.js';

const LINE = /^(\w{3}) +(\d+) (\d\d):(\d\d):(\d\d) \S+ sshd\[(\d+)\]: (.*)$/;
const FAILED = /^Failed password for (?:invalid user )?(\S+) from ([\d.]+) port \d+/;
const REPEATED = /^message repeated (\d+) times: \[ Failed password for (?:invalid user )?(\S+) from ([\d.]+) port \d+/;
const ACCEPTED = /^Accepted \w+ for (\S+) from ([\d.]+) port \d+/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export interface SshAttempt {
  ts: number;
  user: string;
  ip: string;
  ok: boolean;
}

export function parseSshd(text: string): SshAttempt[] {
  const out: SshAttempt[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line.trim());
    if (!m) continue;
    const ts = Date.UTC(2000, MONTHS.indexOf(m[1]!), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
    const msg = m[7]!;
    let r: RegExpExecArray | null;
    if ((r = REPEATED.exec(msg))) {
      for (let i = 0; i < Number(r[1]); i++) out.push({ ts: ts + i * 1000, user: r[2]!, ip: r[3]!, ok: false });
    } else if ((r = FAILED.exec(msg))) {
      out.push({ ts, user: r[1]!, ip: r[2]!, ok: false });
    } else if ((r = ACCEPTED.exec(msg))) {
      out.push({ ts, user: r[1]!, ip: r[2]!, ok: true });
    }
  }
  return out.sort((a, b) => a.ts - b.ts);
}

/** The attempts as traffic ending at `end`, one attack (auth_failures) per attacking address. */
export function sshdTraffic(attempts: SshAttempt[], end: number): Traffic {
  if (attempts.length === 0) throw new Error('no login attempts in the log');
  const shift = end - 60_000 - attempts[attempts.length - 1]!.ts;
  const tokens = new Map<string, TokenInfo>();
  const usage: UsageEvent[] = attempts.map((a, i) => {
    if (!tokens.has(a.user)) tokens.set(a.user, { raw: a.user, type: 'api_key', appId: 'sshd', clientId: 'sshd', population: 'sshd', sendAs: 'raw' });
    return {
      event_id: `sshd-${i}`, ts: a.ts + shift, token: a.user, token_type: 'api_key', app_id: 'sshd', client_id: 'sshd', user_id: a.user,
      ip: a.ip, user_agent: 'SSH-2.0', method: 'AUTH', host: 'LabSZ', path: '/ssh/password', status: a.ok ? 200 : 401,
      latency_ms: 2000, bytes: 0, gateway: 'sshd',
    };
  });
  const attacks: Attack[] = [];
  for (const e of usage) {
    if (e.status !== 401 || attacks.some((a) => a.ips[0] === e.ip)) continue;
    attacks.push({ id: `sshd-${e.ip}`, kind: 'auth_failures', variant: 'sshd-brute-force', start: e.ts, tokens: [], users: [], ips: [e.ip] });
  }
  const start = usage[0]!.ts - 5 * 60_000;
  return { seed: 0, oldest: start, start, warmEnd: start, end, usage, lifecycle: [], tokens, attacks, attackOnly: new Set() };
}
