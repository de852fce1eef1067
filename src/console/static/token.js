/**
 * A token's full detail (metadata, lifecycle, usage, every flag and revocation, its
 * refresh family) and the lookup page: by fingerprint, or by pasting the raw token, which
 * goes only into the body of one POST and is never kept, logged or put in a URL.
 */
import { api } from './api.js';
import { hourlyChart, timeline, worldMap } from './charts.js';
import {
  ago, asnText, card, clear, detectorLabel, facts, FP_RE, fpChip, h, loadPage, num, severityBadge, stateBadge, statusBadge, table, timeEl, utc,
} from './dom.js';
import { ipTable } from './flag.js';

function lifecycle(t) {
  const items = [
    { time: t.issued_at, kind: 'info', title: 'Issued' },
    { time: t.first_seen, kind: 'info', title: 'First used' },
    { time: t.rotated_at, kind: 'from', title: 'Rotated (replaced by a newer token)' },
    { time: t.revoked_at, kind: 'to', title: `Revoked${t.revoke_source ? ` by ${t.revoke_source}` : ''}`, detail: t.revoke_reason || '' },
    { time: t.expired_at, kind: 'info', title: 'Expired' },
    { time: t.last_seen, kind: 'info', title: 'Last used' },
  ];
  if (t.expires_at && !t.expired_at) items.push({ time: t.expires_at, kind: 'info', title: new Date(t.expires_at) > new Date() ? 'Expires' : 'Expiry time passed' });
  return timeline(items.filter((i) => i.time));
}

function stats(u, allTime) {
  const tiles = [
    ['Requests (all time)', allTime],
    [`Requests (last ${u.breakdown_window_days} days)`, u.requests],
    ['4xx', u.status_4xx],
    ['5xx', u.status_5xx],
    ['401/403', u.auth_failures],
    ['IPs', u.distinct_ips],
    ['Countries', u.distinct_countries],
    ['Networks', u.distinct_asns],
  ];
  return h('div', { class: 'stats' }, tiles.map(([k, v]) => h('div', { class: 'stat' }, h('span', { class: 'stat-v' }, num(v)), h('span', { class: 'stat-k' }, k))));
}

function flagsTable(flags) {
  if (flags.length === 0) return h('p', { class: 'muted' }, 'No flags for this token.');
  return table(
    [
      { label: 'Severity', cell: (f) => severityBadge(f.severity) },
      { label: 'Flag', cell: (f) => h('a', { href: `#/flags/${f.flag_id}`, class: 'flag-link' }, h('strong', {}, detectorLabel(f.detector)), h('span', { class: 'expl' }, f.explanation)) },
      { label: 'Window', cell: (f) => timeEl(f.window_start, utc(f.window_start)), class: 'nowrap' },
      { label: 'Status', cell: (f) => statusBadge(f.status) },
    ],
    flags,
    { caption: 'Flags of this token' },
  );
}

function revocationsTable(revs) {
  if (revs.length === 0) return h('p', { class: 'muted' }, 'No revocations recorded for this token.');
  return table(
    [
      { label: 'Requested', cell: (r) => timeEl(r.requested_at, utc(r.requested_at)), class: 'nowrap' },
      { label: 'Scope', cell: (r) => r.scope },
      { label: 'Target', cell: (r) => r.target || '—' },
      { label: 'Source', cell: (r) => [r.source, r.actor].filter(Boolean).join(' · ') || '—' },
      { label: 'Reason', cell: (r) => r.reason || (r.flag_id ? h('a', { href: `#/flags/${r.flag_id}` }, 'flag') : '—') },
      { label: 'Status', cell: (r) => h('span', { class: `badge rev rev-${r.status}` }, r.status) },
      { label: 'Attempts', cell: (r) => `${num(r.attempts)}${r.last_http_status ? ` (HTTP ${r.last_http_status})` : ''}${r.last_error ? ` · ${r.last_error}` : ''}` },
    ],
    revs,
    { caption: 'Revocations of this token' },
  );
}

function familyEl(family, fp) {
  if (family instanceof Error) return h('p', { class: 'muted' }, `Family unavailable: ${family.message}`);
  if (!family || family.tokens.length <= 1) return h('p', { class: 'muted' }, 'This token has no other tokens in its refresh family.');
  return table(
    [
      { label: 'Token', cell: (t) => (t.token_fingerprint === fp ? h('span', { class: 'this-token' }, fpChip(t.token_fingerprint, { link: false }), h('span', { class: 'muted' }, ' this token')) : fpChip(t.token_fingerprint)) },
      { label: 'State', cell: (t) => stateBadge(t.state) },
      { label: 'Type', cell: (t) => t.token_type || '—' },
      { label: 'Issued', cell: (t) => timeEl(t.issued_at, utc(t.issued_at)), class: 'nowrap' },
      { label: 'Rotated', cell: (t) => (t.rotated_at ? timeEl(t.rotated_at, utc(t.rotated_at)) : '—'), class: 'nowrap' },
      { label: 'Last used', cell: (t) => (t.last_seen ? timeEl(t.last_seen, ago(t.last_seen)) : '—') },
      { label: 'Requests', cell: (t) => num(t.requests), class: 'num' },
    ],
    family.tokens,
    { caption: 'Refresh family' },
  );
}

function render(view, t, family, fp) {
  const u = t.usage;
  const recentFlag = t.flags.find((f) => Date.now() - new Date(f.window_end) < 86_400_000);
  const cities = u.cities.filter((c) => Number.isFinite(c.lat) && Number.isFinite(c.lon));
  const d = u.breakdown_window_days;
  view.append(
    h(
      'article',
      { class: 'page token', dataset: { fingerprint: fp } },
      h('a', { class: 'back', href: '#/' }, '← Flag queue'),
      h(
        'header',
        { class: 'token-head' },
        h('div', { class: 'flag-tags' }, stateBadge(t.state), h('span', { class: 'det-name' }, t.token_type || 'token'), t.flags.some((f) => f.status === 'open' || f.status === 'needs_review') ? h('span', { class: 'badge sev sev-high' }, 'open flags') : null),
        h('h1', { tabindex: '-1' }, 'Token ', fpChip(fp, { link: false, full: true })),
        facts([['App', t.app_id || '—'], ['User', t.user_id || '—'], ['Client', t.client_id || '—'], ['Last used', timeEl(t.last_seen, ago(t.last_seen))]], 'facts inline'),
      ),
      h(
        'div',
        { class: 'token-grid' },
        card(
          'Metadata',
          facts([
            ['Type', t.token_type || '—'],
            ['Grant', t.grant_type || '—'],
            ['Scopes', t.scopes?.length ? h('span', { class: 'chips' }, t.scopes.map((s) => h('span', { class: 'chip' }, s))) : '—'],
            ['JWT id', t.jti ? h('span', { class: 'mono' }, t.jti) : '—'],
            ['Issuer', t.iss || '—'],
            ['Mapped from', t.mapped_from ? h('span', { class: 'mono' }, t.mapped_from) : '—'],
            ['Rotated from', t.rotated_from ? fpChip(t.rotated_from) : '—'],
            ['Family', t.family_id && t.family_id !== fp ? fpChip(t.family_id) : t.family_id ? 'this token starts it' : '—'],
            ['Lifecycle events', num(t.lifecycle_events)],
          ]),
        ),
        card('Lifecycle', lifecycle(t) ?? h('p', { class: 'muted' }, 'No lifecycle events.')),
        h('div', { class: 'span-2' }, card('Usage', stats(u, t.requests), hourlyChart(u.requests_per_hour_24h, recentFlag ? { windowStart: recentFlag.window_start, windowEnd: recentFlag.window_end } : {}))),
        cities.length
          ? card(`Places (last ${d} days)`, h('div', { class: 'map-box' }, worldMap(cities.map((c) => ({ lat: c.lat, lon: c.lon, kind: 'used', weight: c.requests, title: `${c.city}, ${c.country}: ${num(c.requests)} requests` })), { label: 'Map of the places this token was used from' })),
            table([{ label: 'Place', cell: (c) => `${c.city}, ${c.country}` }, { label: 'Requests', cell: (c) => num(c.requests), class: 'num' }, { label: 'Last seen', cell: (c) => timeEl(c.last_seen, ago(c.last_seen)) }], cities.slice(0, 8)))
          : card(`Countries (last ${d} days)`, u.countries.length ? table([{ label: 'Country', cell: (c) => c.country }, { label: 'Requests', cell: (c) => num(c.requests), class: 'num' }, { label: 'Last seen', cell: (c) => timeEl(c.last_seen, ago(c.last_seen)) }], u.countries) : h('p', { class: 'muted' }, 'No location data.')),
        card(`IPs (last ${d} days)`, u.ips.length ? ipTable(u.ips.slice(0, 12)) : h('p', { class: 'muted' }, 'No requests in this window.')),
        card(`Networks (last ${d} days)`, u.asns.length ? table([{ label: 'Network', cell: (a) => asnText(a.asn, a.asn_org) }, { label: 'Requests', cell: (a) => num(a.requests), class: 'num' }, { label: 'Last seen', cell: (a) => timeEl(a.last_seen, ago(a.last_seen)) }], u.asns.slice(0, 12)) : h('p', { class: 'muted' }, 'No network data.')),
        card(
          `Paths and statuses (last ${d} days)`,
          u.paths.length ? table([{ label: 'Method', cell: (p) => h('span', { class: 'mono' }, p.method) }, { label: 'Path', cell: (p) => h('span', { class: 'mono' }, p.path) }, { label: 'Requests', cell: (p) => num(p.requests), class: 'num' }, { label: 'Errors', cell: (p) => num(p.errors), class: 'num' }], u.paths.slice(0, 12)) : h('p', { class: 'muted' }, 'No paths.'),
          u.status_mix.length ? h('div', { class: 'chips status-mix' }, u.status_mix.map((s) => h('span', { class: `chip st-${String(s.status)[0]}xx` }, h('strong', {}, String(s.status)), ` ${num(s.requests)}`))) : null,
        ),
        h('div', { class: 'span-2' }, card(`Flags (${t.flags.length})`, flagsTable(t.flags))),
        h('div', { class: 'span-2' }, card(`Revocations (${t.revocations.length})`, revocationsTable(t.revocations))),
        h('div', { class: 'span-2' }, card('Refresh family', familyEl(family, fp))),
      ),
    ),
  );
  view.querySelector('h1')?.focus({ preventScroll: true });
}

export function renderToken(main, fp) {
  const view = h('div', { class: 'view' });
  main.append(view);
  return loadPage(
    view,
    async () => {
      const [detail, family] = await Promise.all([
        api(`/v1/tokens/${fp}`),
        api(`/v1/tokens/${fp}/family`).catch((error) => (error.status === 401 ? Promise.reject(error) : error)),
      ]);
      return { detail, family };
    },
    ({ detail, family }) => render(view, detail, family, fp),
    { what: 'Loading token…' },
  );
}

export function renderLookup(main) {
  const result = h('div', { class: 'lookup-result', role: 'status', 'aria-live': 'polite' });

  const fpInput = h('input', { id: 'lookup-fp', name: 'fingerprint', type: 'text', autocomplete: 'off', spellcheck: 'false', class: 'mono', placeholder: '64 hex characters', maxlength: 64 });
  const fpForm = h(
    'form',
    { class: 'lookup-form', method: 'post', action: '#' },
    h('label', { for: 'lookup-fp' }, 'Fingerprint'),
    h('div', { class: 'inline' }, fpInput, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Open')),
  );
  fpForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const fp = fpInput.value.trim().toLowerCase();
    if (!FP_RE.test(fp)) {
      clear(result).append(h('p', { class: 'form-msg error' }, 'A fingerprint is 64 hexadecimal characters. To look up a raw token, use the field below.'));
      fpInput.focus();
      return;
    }
    location.hash = `#/tokens/${fp}`;
  });

  // The raw token: a password field (not shown, not autofilled, not remembered); sent in a POST body, then cleared.
  const rawInput = h('input', { id: 'lookup-raw', name: 'raw-token', type: 'password', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'raw-help' });
  const rawButton = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Look up');
  const rawForm = h(
    'form',
    { class: 'lookup-form', method: 'post', action: '#' },
    h('label', { for: 'lookup-raw' }, 'Raw token'),
    h('div', { class: 'inline' }, rawInput, rawButton),
    h('p', { class: 'help muted', id: 'raw-help' }, 'Sent once, in the body of a POST; the server fingerprints it and keeps nothing. It never goes into the address bar, history or storage, and the field is cleared after the lookup.'),
  );
  rawForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    let token = rawInput.value.trim();
    rawInput.value = '';
    if (!token) {
      clear(result).append(h('p', { class: 'form-msg error' }, 'Paste a token first.'));
      rawInput.focus();
      return;
    }
    const looksLikeFp = FP_RE.test(token);
    rawButton.disabled = true;
    clear(result).append(h('p', { class: 'muted' }, 'Looking up…'));
    try {
      const res = await api('/v1/tokens/lookup', { method: 'POST', body: { token } });
      token = null;
      if (res.known) {
        location.hash = `#/tokens/${res.token_fingerprint}`;
        return;
      }
      clear(result).append(
        h('div', { class: 'state-box empty' },
          h('strong', {}, 'tokenwatch has never seen this token.'),
          h('p', {}, 'Its fingerprint would be ', fpChip(res.token_fingerprint, { link: false }), '.'),
          looksLikeFp ? h('p', { class: 'muted' }, 'This looks like a fingerprint rather than a token: try the fingerprint field above.') : null,
        ),
      );
    } catch (error) {
      token = null;
      if (error.status === 401) return;
      clear(result).append(h('p', { class: 'form-msg error' }, error.status === 503 ? 'The warehouse is unreachable; try again in a moment.' : `Lookup failed: ${error.message}`));
    } finally {
      rawButton.disabled = false;
    }
  });

  main.append(
    h(
      'div',
      { class: 'page lookup' },
      h('h1', { tabindex: '-1' }, 'Token lookup'),
      h('p', { class: 'muted' }, 'Open a token by its fingerprint, or paste a raw token to find it.'),
      h('div', { class: 'lookup-grid' }, card('By fingerprint', fpForm), card('By raw token', rawForm)),
      result,
    ),
  );
  fpInput.focus();
  return () => {
    rawInput.value = '';
  };
}
