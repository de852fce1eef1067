/**
 * dormant_reuse: a token idle for weeks suddenly used again from a place (country or
 * network) it never used before: a leaked old credential picked up by someone else.
 */
import { z } from 'zod';
import { defineQuery, TABLES } from '../warehouse/warehouse.js';
import { chTime, defineDetector, fmt, windowStart, type Finding } from './types.js';
import { activeTokens, groupByToken, placeLabel, startOfHour, visits } from './places.js';

/** Tokens with history before the idle period and none during it (daily rollup). */
const idleBefore = defineQuery({
  name: 'dormant_reuse_idle',
  sql: `SELECT token_fingerprint, toString(max(last_seen)) AS last_before
           FROM ${TABLES.usageToken1d}
           WHERE token_fingerprint IN {fps:Array(String)} AND day < toDate({from:DateTime64(3)})
             AND day >= toDate({hfrom:DateTime64(3)})
           GROUP BY token_fingerprint
           HAVING max(last_seen) < {idle_from:DateTime64(3)}`,
  params: z.object({ fps: z.array(z.string()), from: z.date(), hfrom: z.date(), idle_from: z.date() }),
  row: z.object({ token_fingerprint: z.string(), last_before: z.string() }),
});

/** Of those, the ones used earlier today (minute rollup): not idle after all. */
const usedEarlierToday = defineQuery({
  name: 'dormant_reuse_today',
  sql: `SELECT DISTINCT token_fingerprint FROM ${TABLES.usageToken1m}
           WHERE token_fingerprint IN {fps:Array(String)} AND minute >= toStartOfDay({from:DateTime64(3)}) AND minute < toStartOfMinute({from:DateTime64(3)})`,
  params: z.object({ fps: z.array(z.string()), from: z.date() }),
  row: z.object({ token_fingerprint: z.string() }),
});

export const dormantReuse = defineDetector({
  name: 'dormant_reuse',
  description: 'a long-idle token suddenly active from a new place',
  thresholds: {
    DORMANT_DAYS: { value: 14, reason: 'two weeks without a single request: the owner stopped using it' },
    HISTORY_DAYS: { value: 400, reason: 'as far back as the rollups keep places' },
  },
  async detect({ warehouse, range, t }) {
    const tokens = await activeTokens(warehouse, range);
    if (tokens.length === 0) return [];
    const idleFrom = new Date(range.from.getTime() - t.DORMANT_DAYS * 86_400_000);
    // Tokens with history before the idle period and none during it (daily rollup, then today's minutes).
    const dormant = await idleBefore(warehouse, {
      fps: tokens,
      from: range.from,
      hfrom: new Date(range.from.getTime() - t.HISTORY_DAYS * 86_400_000),
      idle_from: idleFrom,
    });
    if (dormant.length === 0) return [];
    const fps = dormant.map((d) => d.token_fingerprint);
    const todayBefore = new Set((await usedEarlierToday(warehouse, { fps, from: range.from })).map((r) => r.token_fingerprint));
    const lastBefore = new Map(dormant.map((d) => [d.token_fingerprint, chTime(d.last_before)]));
    const candidates = fps.filter((fp) => !todayBefore.has(fp));
    const now = groupByToken(await visits(warehouse, candidates, range.from, range.to));
    const past = groupByToken(await visits(warehouse, candidates, new Date(range.from.getTime() - t.HISTORY_DAYS * 86_400_000), startOfHour(idleFrom)));

    const findings: Finding[] = [];
    for (const fp of candidates) {
      const current = (now.get(fp) ?? []).filter((v) => v.first < range.to);
      const history = past.get(fp) ?? [];
      if (current.length === 0 || history.length === 0) continue;
      const countries = new Set(history.map((v) => v.country).filter(Boolean));
      const networks = new Set(history.map((v) => v.asn).filter((a) => a !== 0));
      const woke = current.sort((a, b) => a.first.getTime() - b.first.getTime());
      const elsewhere = woke.find((v) => (v.country && !countries.has(v.country)) || (v.asn !== 0 && !networks.has(v.asn)));
      if (!elsewhere) continue;
      const last = lastBefore.get(fp)!;
      const idleDays = (elsewhere.first.getTime() - last.getTime()) / 86_400_000;
      const newCountry = Boolean(elsewhere.country) && !countries.has(elsewhere.country);
      const start = new Date(windowStart(Math.max(elsewhere.first.getTime(), range.from.getTime()), range.windowMs));
      findings.push({
        subject_type: 'token',
        subject: fp,
        token_fingerprint: fp,
        app_id: elsewhere.app_id,
        user_id: elsewhere.user_id,
        window_start: start,
        window_end: new Date(start.getTime() + range.windowMs),
        severity: newCountry ? 'high' : 'medium',
        score: idleDays / t.DORMANT_DAYS,
        explanation:
          `idle for ${fmt(idleDays)} days (last used ${last.toISOString().slice(0, 10)}), then used from ${placeLabel(elsewhere)}` +
          `${elsewhere.asn ? ` AS${elsewhere.asn}` : ''}, ${newCountry ? 'a country' : 'a network'} it never used before (history: ${[...countries].join(', ') || 'no country'})`,
        evidence: {
          idle_days: Math.round(idleDays * 10) / 10,
          last_used_before: last.toISOString(),
          woke_up: { place: placeLabel(elsewhere), country: elsewhere.country, asn: elsewhere.asn, asn_org: elsewhere.asn_org, ip: elsewhere.ip, first_seen: elsewhere.first.toISOString(), requests: elsewhere.requests },
          history: { countries: [...countries], networks: [...networks].slice(0, 20) },
        },
      });
    }
    return findings;
  },
});
