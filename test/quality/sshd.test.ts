/** The sshd mapping: one event per attempt, "message repeated N times" as N attempts, attackers = addresses with a failure. */
import { describe, expect, it } from 'vitest';
import { parseSshd, sshdTraffic } from './sshd.js';

const LOG = [
  'Mar  3 01:00:00 host sshd[1]: Invalid user alice from 198.51.100.7',
  'Mar  3 01:00:02 host sshd[1]: Failed password for invalid user alice from 198.51.100.7 port 4000 ssh2',
  'Mar  3 01:00:09 host sshd[2]: Failed password for root from 198.51.100.8 port 4001 ssh2',
  'Mar  3 01:00:20 host sshd[2]: message repeated 3 times: [ Failed password for root from 198.51.100.8 port 4001 ssh2]',
  'Mar  3 01:01:00 host sshd[3]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=198.51.100.9',
  'Mar  3 01:02:00 host sshd[4]: Accepted password for bob from 192.0.2.10 port 5000 ssh2',
  'Mar  3 01:02:30 host sshd[5]: Connection closed by 198.51.100.11 [preauth]',
].join('\n');

describe('sshd log as usage events', () => {
  it('maps attempts, repeats and accepted logins; attackers are addresses with a failure', () => {
    const attempts = parseSshd(LOG);
    expect(attempts.map((a) => `${a.user}@${a.ip}:${a.ok ? 'ok' : 'fail'}`)).toEqual([
      'alice@198.51.100.7:fail', 'root@198.51.100.8:fail', 'root@198.51.100.8:fail', 'root@198.51.100.8:fail', 'root@198.51.100.8:fail', 'bob@192.0.2.10:ok',
    ]);
    const end = Date.UTC(2026, 11, 7, 12);
    const t = sshdTraffic(attempts, end);
    expect(t.usage.map((e) => e.status)).toEqual([401, 401, 401, 401, 401, 200]);
    expect(t.usage.at(-1)!.ts).toBe(end - 60_000);
    expect(t.usage[1]!.ts - t.usage[0]!.ts).toBe(7_000);
    expect(t.attacks.map((a) => a.ips[0])).toEqual(['198.51.100.7', '198.51.100.8']);
    expect(t.usage.every((e) => e.token === e.user_id)).toBe(true);
  });
});
