/**
 * What each detector's evidence means, for a human: the observed figures beside the
 * token's own baseline, the places (for the map), the moments (for the timeline), the
 * IPs and networks, and short lists. Unknown evidence falls back to its keys and values.
 */
import { asnText, duration, num, pct, utc } from './dom.js';

const list = (v) => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
const asns = (v) => list(v).map((a) => (typeof a === 'number' || /^\d+$/.test(String(a)) ? `AS${a}` : String(a)));
const minutesBetween = (a, b) => (a && b ? (new Date(b) - new Date(a)) / 60_000 : null);

function place(p, kind, mark) {
  if (!p) return null;
  return { label: p.place, lat: p.lat ?? null, lon: p.lon ?? null, kind, mark, ip: p.ip, asn: p.asn, asn_org: p.asn_org, country: p.country, city: p.city };
}

function ipRow(p, role) {
  return p?.ip ? { ip: p.ip, place: p.place, asn: p.asn, asn_org: p.asn_org, role } : null;
}

const EXPLAINERS = {
  impossible_travel(e) {
    const a = place(e.from, 'from', 'A');
    const b = place(e.to, 'to', 'B');
    return {
      figures: [
        ['Distance', `${num(e.distance_km)} km`, `${num(e.error_allowance_km)} km allowed for geolocation error`],
        ['Time between uses', duration(e.minutes), '—'],
        ['Implied speed', e.speed_kmh === null ? 'both places at once' : `${num(e.speed_kmh)} km/h`, `plausible: at most ${num(e.max_speed_kmh)} km/h`],
      ],
      places: [a, b],
      arrows: a && b ? [[a, b]] : [],
      events: [
        { time: e.from?.last_seen, mark: 'A', kind: 'from', title: `Last use in ${e.from?.place}`, detail: [e.from?.ip, asnText(e.from?.asn, e.from?.asn_org)].filter((x) => x && x !== '—').join(' · ') },
        { time: e.to?.first_seen, mark: 'B', kind: 'to', title: `First use in ${e.to?.place}`, detail: [e.to?.ip, asnText(e.to?.asn, e.to?.asn_org)].filter((x) => x && x !== '—').join(' · ') },
      ],
      network: [ipRow(e.from, 'A (before)'), ipRow(e.to, 'B (after)')],
    };
  },

  rate_spike(e) {
    const o = e.observed ?? {};
    const b = e.baseline ?? {};
    return {
      figures: [
        ['Peak rate', `${num(o.peak_per_minute)} req/min`, `median ${num(b.median)} req/min, MAD ${num(b.mad)} (${num(b.days)} days)`],
        ['Against its previous peak', b.previous_peak ? `${num(o.peak_per_minute / b.previous_peak, 1)}×` : '—', `previous peak ${num(b.previous_peak)} req/min; 99th percentile ${num(b.p99)}`],
        ['Against the alert limit', e.limit ? `${num(o.peak_per_minute / e.limit, 1)}×` : '—', `limit ${num(e.limit)} req/min, from the baseline`],
        ['Requests in the window', num(o.window_requests), `${num(b.active_minutes)} active minutes in the baseline`],
      ],
      events: [{ time: o.peak_minute, kind: 'to', title: `Peak: ${num(o.peak_per_minute)} requests in one minute` }],
    };
  },

  ip_fanout(e) {
    const o = e.observed ?? {};
    const b = e.baseline ?? {};
    return {
      figures: [
        ['Distinct IPs', num(o.ips), `at most ${num(b.max_ips_per_window)} per window (${num(b.days)} days)`],
        ['Distinct networks', num(o.asns), `at most ${num(b.max_asns_per_window)} per window`],
        ['Countries', Array.isArray(o.countries) ? `${o.countries.length}: ${o.countries.join(', ')}` : num(o.countries), '—'],
        ['Requests', num(o.requests), '—'],
      ],
      lists: [['IPs (sample)', list(o.sample_ips)], ['Networks (sample)', asns(o.sample_asns)]],
    };
  },

  new_location(e) {
    const n = e.new_place ?? {};
    const u = e.usual_place ?? {};
    const b = e.baseline ?? {};
    return {
      figures: [
        ['Place', n.place, `usual: ${u.place ?? '—'}`],
        ['Network', asnText(n.asn, n.asn_org), asns(b.networks).join(', ') || '—'],
        ['Country', n.country || '—', list(b.countries).join(', ') || '—'],
        ['Requests from the new place', num(n.requests), `${num(b.requests)} requests over ${num(b.days)} days`],
      ],
      places: [place(u, 'from', 'A'), place(n, 'to', 'B')],
      events: [
        u.last_seen ? { time: u.last_seen, mark: 'A', kind: 'from', title: `Still in use from ${u.place}`, detail: [u.ip, asnText(u.asn)].filter((x) => x && x !== '—').join(' · ') } : null,
        { time: n.first_seen, mark: 'B', kind: 'to', title: `First use from ${n.place}`, detail: [n.ip, asnText(n.asn, n.asn_org)].filter((x) => x && x !== '—').join(' · ') },
      ],
      network: [ipRow(u, 'usual'), ipRow(n, 'new')],
    };
  },

  auth_failures(e) {
    const figures = [['Failed requests', `${num(e.failures)} of ${num(e.total)}${e.total ? ` (${pct(e.failures / e.total)})` : ''}`, e.baseline ? `median ${num(e.baseline.median)} per window, MAD ${num(e.baseline.mad)}; previous max ${num(e.baseline.previous_max)}` : '—']];
    if (e.limit !== undefined) figures.push(['Alert limit', '—', num(e.limit)]);
    if (e.tokens !== undefined) figures.push(['Distinct tokens', num(Array.isArray(e.tokens) ? e.tokens.length : e.tokens), '—']);
    return {
      figures,
      network: list(e.ips).map((ip) => ({ ip, role: 'source' })),
      lists: [['Status codes', list(e.statuses).map(String)], ['Paths', list(e.paths)]],
    };
  },

  revoked_use(e) {
    return {
      figures: [
        ['Accepted after revocation', `${num(e.accepted)} requests answered 2xx`, 'expected: 0 (the gateway should answer 401)'],
        ['Revoked', utc(e.revoked_at), '—'],
        ['First accepted', utc(e.first_accepted), `${duration(minutesBetween(e.revoked_at, e.first_accepted))} after revocation`],
      ],
      events: [
        { time: e.revoked_at, kind: 'from', mark: 'R', title: 'Token revoked' },
        { time: e.first_accepted, kind: 'to', mark: '!', title: 'First request still accepted (2xx)' },
      ],
      network: list(e.ips).map((ip) => ({ ip, role: 'accepted from' })),
      lists: [['Gateways', list(e.gateways)], ['Paths', list(e.paths)]],
    };
  },

  refresh_reuse(e) {
    if (e.refreshes !== undefined) {
      return {
        figures: [['Exchanges of one refresh token', num(e.refreshes), 'expected: 1 (single use)']],
        events: [
          { time: e.first_refresh, kind: 'from', mark: '1', title: 'First exchange' },
          { time: e.second_refresh, kind: 'to', mark: '2', title: 'Exchanged again (replay)' },
        ],
        lists: [['Tokens issued from it', list(e.children)]],
        family: e.family_id,
      };
    }
    return {
      figures: [
        ['Uses after rotation', num(e.uses), 'expected: 0 (rotated tokens are dead)'],
        ['Rotated', utc(e.rotated_at), '—'],
        ['Used again', utc(e.first_reuse), `${duration(minutesBetween(e.rotated_at, e.first_reuse))} after rotation`],
      ],
      events: [
        { time: e.rotated_at, kind: 'from', mark: 'R', title: 'Refresh token rotated (replaced)' },
        { time: e.first_reuse, kind: 'to', mark: '!', title: 'The rotated token used again' },
      ],
      network: list(e.ips).map((ip) => ({ ip, role: 'reuse' })),
      family: e.family_id,
    };
  },

  dormant_reuse(e) {
    const w = e.woke_up ?? {};
    const hist = e.history ?? {};
    return {
      figures: [
        ['Idle for', `${num(e.idle_days)} days`, `last used ${utc(e.last_used_before)}`],
        ['Woke up in', w.place ?? '—', `history: ${list(hist.countries).join(', ') || 'no country'}`],
        ['Network', asnText(w.asn, w.asn_org), asns(hist.networks).join(', ') || '—'],
        ['Requests since', num(w.requests), '—'],
      ],
      places: [place(w, 'to', 'B')],
      events: [
        { time: e.last_used_before, kind: 'from', mark: 'A', title: 'Last use before the silence' },
        { time: w.first_seen, kind: 'to', mark: 'B', title: `Active again from ${w.place}`, detail: [w.ip, asnText(w.asn, w.asn_org)].filter((x) => x && x !== '—').join(' · ') },
      ],
      network: [ipRow(w, 'woke up')],
    };
  },
};

function generic(evidence) {
  const figures = [];
  const walk = (obj, prefix) => {
    for (const [k, v] of Object.entries(obj ?? {})) {
      const label = `${prefix}${k.replace(/_/g, ' ')}`;
      if (v && typeof v === 'object' && !Array.isArray(v)) walk(v, `${label} · `);
      else figures.push([label, Array.isArray(v) ? v.join(', ') : typeof v === 'number' ? num(v) : String(v), '—']);
    }
  };
  walk(evidence, '');
  return { figures };
}

export function explain(flag) {
  const e = flag.evidence ?? {};
  let out;
  try {
    out = (EXPLAINERS[flag.detector] ?? generic)(e);
  } catch {
    out = generic(e);
  }
  return {
    figures: out.figures ?? [],
    places: (out.places ?? []).filter(Boolean),
    arrows: out.arrows ?? [],
    events: (out.events ?? []).filter((x) => x && x.time),
    network: (out.network ?? []).filter(Boolean),
    lists: (out.lists ?? []).filter(([, items]) => items && items.length),
    family: out.family,
  };
}
