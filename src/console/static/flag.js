/**
 * One flag: why it was raised (the explanation, the observed figures beside the token's
 * own baseline), where and when (map and timeline), requests per hour with the flagged
 * window marked, the IPs and networks, and the review: confirm or dismiss with a reason.
 */
import { api, session } from './api.js';
import { hourlyChart, timeline, worldMap } from './charts.js';
import { explain } from './evidence.js';
import {
  ago, asnText, card, clear, DETECTORS, detectorLabel, facts, fpChip, h, loadPage, num, severityBadge, stateBadge, statusBadge, subjectEl, table, timeEl, utc,
} from './dom.js';

const SUPPRESS = [
  [0, 'no suppression'],
  [1, '1 hour'],
  [24, '24 hours'],
  [168, '7 days'],
  [720, '30 days'],
];
const REVIEWER = 'tokenwatch.reviewer';
const REVOKE = [
  ['none', 'record only (no revocation)'],
  ['token', 'revoke this token'],
  ['family', 'revoke its whole refresh family'],
];

/** The token's places with coordinates (from its detail), as context dots; the flag's own places matched by name. */
function mapPoints(x, detail) {
  const cities = detail?.usage?.cities ?? [];
  const byLabel = new Map(cities.map((c) => [`${c.city}, ${c.country}`, c]));
  const flagged = x.places.map((p) => {
    if (Number.isFinite(p.lat) && Number.isFinite(p.lon)) return p;
    const c = byLabel.get(p.label);
    return c ? { ...p, lat: c.lat, lon: c.lon } : p;
  });
  const taken = new Set(flagged.map((p) => p.label));
  const context = cities
    .filter((c) => !taken.has(`${c.city}, ${c.country}`) && Number.isFinite(c.lat) && Number.isFinite(c.lon))
    .slice(0, 20)
    .map((c) => ({ lat: c.lat, lon: c.lon, kind: flagged.length ? 'context' : 'used', weight: c.requests, title: `${c.city}, ${c.country}: ${num(c.requests)} requests, last ${utc(c.last_seen)}` }));
  for (const p of flagged) p.title = `${p.mark ? `${p.mark}: ` : ''}${p.label}${p.ip ? ` (${p.ip})` : ''}`;
  return [...context, ...flagged];
}

function whereAndWhen(x, detail) {
  const points = mapPoints(x, detail);
  const located = points.filter((p) => Number.isFinite(p.lat) && Number.isFinite(p.lon));
  const tl = timeline(x.events);
  if (located.length === 0 && !tl) return null;
  const arrows = x.arrows
    .map(([a, b]) => [points.find((p) => p.mark === a.mark), points.find((p) => p.mark === b.mark)])
    .filter(([a, b]) => a && b && Number.isFinite(a.lat) && Number.isFinite(b.lat));
  return card(
    'Where and when',
    h(
      'div',
      { class: 'where' },
      located.length ? h('div', { class: 'map-box' }, worldMap(points, { arrows, label: `Map: ${x.places.map((p) => p.label).join(' then ')}` }),
        h('p', { class: 'map-note muted' },
          x.places.length === 0 ? `Places this token was used from (last ${detail?.usage?.breakdown_window_days ?? 30} days).`
            : points.some((p) => p.kind === 'context') ? 'Lettered: the places in this flag. Grey: other places this token was used from.' : 'The places in this flag.')) : null,
      tl,
    ),
  );
}

function figuresTable(x) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'data figures' },
      h('caption', { class: 'sr-only' }, 'Observed figures beside the baseline'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Measure'), h('th', { scope: 'col' }, 'Observed'), h('th', { scope: 'col' }, 'Baseline / expected'))),
      h('tbody', {}, x.figures.map(([label, observed, baseline]) =>
        h('tr', {}, h('th', { scope: 'row' }, label), h('td', { class: ['observed', (observed ?? '—') === '—' && 'none'], 'data-label': 'Observed' }, observed ?? '—'), h('td', { class: 'baseline', 'data-label': 'Baseline' }, baseline ?? '—')))),
    ),
  );
}

function networkCard(x, detail) {
  const cityOfIp = new Map((detail?.usage?.ips ?? []).map((r) => [r.ip, r]));
  if (x.network.length > 0) {
    const rows = x.network.map((n) => {
      const seen = cityOfIp.get(n.ip);
      return { ...n, place: n.place ?? (seen ? [seen.city, seen.country].filter(Boolean).join(', ') : ''), asn: n.asn ?? seen?.asn, asn_org: n.asn_org ?? seen?.asn_org, requests: seen?.requests };
    });
    return card(
      'IPs and networks in this flag',
      table(
        [
          { label: 'IP', cell: (r) => h('span', { class: 'mono' }, r.ip), class: 'nowrap' },
          { label: 'Role', cell: (r) => r.role ?? '' },
          { label: 'Place', cell: (r) => r.place || '—' },
          { label: 'Network', cell: (r) => asnText(r.asn, r.asn_org) },
          { label: 'Requests (30 d)', cell: (r) => num(r.requests), class: 'num' },
        ],
        rows,
        { caption: 'IPs and networks in this flag' },
      ),
      x.lists.length ? listsEl(x.lists) : null,
    );
  }
  const ips = detail?.usage?.ips ?? [];
  if (ips.length === 0) return x.lists.length ? card('Details', listsEl(x.lists)) : null;
  return card(
    `This token's IPs (last ${detail.usage.breakdown_window_days} days)`,
    ipTable(ips.slice(0, 10)),
    x.lists.length ? listsEl(x.lists) : null,
  );
}

export function ipTable(ips) {
  return table(
    [
      { label: 'IP', cell: (r) => h('span', { class: 'mono' }, r.ip), class: 'nowrap' },
      { label: 'Place', cell: (r) => [r.city, r.country].filter(Boolean).join(', ') || '—' },
      { label: 'Network', cell: (r) => asnText(r.asn, r.asn_org) },
      { label: 'Requests', cell: (r) => num(r.requests), class: 'num' },
      { label: 'Last seen', cell: (r) => timeEl(r.last_seen, ago(r.last_seen)) },
    ],
    ips,
    { caption: 'IP addresses' },
  );
}

function listsEl(lists) {
  return facts(lists.map(([label, items]) => [label, h('span', { class: 'chips' }, items.map((i) => h('span', { class: 'chip mono' }, String(i))))]), 'facts lists');
}

function historyEl(history) {
  if (!history?.length) return h('p', { class: 'muted' }, 'No history.');
  return h(
    'ol',
    { class: 'history' },
    history.map((e) => h('li', {}, statusBadge(e.status), h('span', { class: 'hist-who' }, e.actor), timeEl(e.ts, utc(e.ts)), e.reason && e.reason !== 'raised' ? h('q', {}, e.reason) : null)),
  );
}

function reviewCard(flag, onDone) {
  if (flag.status === 'confirmed' || flag.status === 'dismissed') {
    const last = [...(flag.history ?? [])].reverse().find((e) => e.status === flag.status);
    return card(
      'Review',
      h('p', { class: `reviewed reviewed-${flag.status}` }, statusBadge(flag.status), last ? [' by ', h('strong', {}, last.actor), ' ', timeEl(last.ts, ago(last.ts))] : null),
      last?.reason ? h('blockquote', { class: 'reason' }, last.reason) : null,
    );
  }
  if (!session.canReview) {
    return card('Review', h('p', { class: 'muted readonly-note' }, 'Read-only key: confirming or dismissing a flag needs an admin key.'));
  }
  const reason = h('textarea', { id: 'review-reason', name: 'reason', rows: 3, maxlength: 2000, placeholder: 'What you checked and what you concluded', 'aria-describedby': 'review-help' });
  const reviewer = h('input', { id: 'review-actor', name: 'actor', type: 'text', autocomplete: 'name', maxlength: 200, value: sessionStorage.getItem(REVIEWER) ?? '', placeholder: "default: your key's id" });
  const suppress = h('select', { id: 'review-suppress', name: 'suppress_hours' }, SUPPRESS.map(([v, t]) => h('option', { value: v }, t)));
  const revoke = flag.token_fingerprint
    ? h('select', { id: 'review-revoke', name: 'revoke' }, REVOKE.map(([v, t]) => h('option', { value: v }, t)))
    : null;
  const msg = h('p', { class: 'form-msg', role: 'alert' });
  const buttons = [
    h('button', { type: 'submit', class: 'btn btn-danger', value: 'confirm', 'data-action': 'confirm' }, 'Confirm incident'),
    h('button', { type: 'submit', class: 'btn', value: 'dismiss', 'data-action': 'dismiss' }, 'Dismiss as benign'),
  ];
  const form = h(
    'form',
    { class: 'review', novalidate: true, method: 'post', action: '#' },
    h('label', { for: 'review-reason' }, 'Reason'),
    reason,
    h('p', { class: 'help muted', id: 'review-help' }, 'Recorded in the flag’s history with your name.'),
    h('label', { for: 'review-actor' }, 'Your name'),
    reviewer,
    revoke ? [h('label', { for: 'review-revoke' }, 'On confirm'), revoke] : null,
    h('label', { for: 'review-suppress' }, 'On dismiss, suppress this detector for this subject for'),
    suppress,
    msg,
    h('div', { class: 'actions' }, buttons),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const action = e.submitter?.dataset.action ?? 'confirm';
    const text = reason.value.trim();
    if (!text) {
      msg.textContent = `Write a reason before you ${action}: it is kept in the flag’s history.`;
      msg.className = 'form-msg error';
      reason.focus();
      return;
    }
    const body = { reason: text };
    const actor = reviewer.value.trim();
    if (actor) {
      body.actor = actor;
      sessionStorage.setItem(REVIEWER, actor);
    }
    if (action === 'dismiss') body.suppress_hours = Number(suppress.value);
    if (action === 'confirm' && revoke && revoke.value !== 'none') body.revoke = revoke.value;
    for (const b of buttons) b.disabled = true;
    msg.className = 'form-msg';
    msg.textContent = action === 'confirm' ? 'Confirming…' : 'Dismissing…';
    try {
      const res = await api(`/v1/flags/${flag.flag_id}/${action}`, { method: 'POST', body });
      const revoked = res?.revocations?.length ?? 0;
      onDone(
        action === 'confirm'
          ? `Flag confirmed${revoked ? `; revocation requested for ${revoked} token${revoked === 1 ? '' : 's'}` : ''}.`
          : `Flag dismissed${body.suppress_hours ? `; suppressed for ${SUPPRESS.find(([v]) => v === body.suppress_hours)?.[1]}` : ''}.`,
      );
    } catch (error) {
      if (error.status === 401) return;
      msg.className = 'form-msg error';
      msg.textContent =
        error.status === 403 ? 'This key may not review flags: an admin key is needed.'
          : error.code === 'already_reviewed' ? `Already reviewed: ${error.message}. Reload to see who and why.`
            : error.status === 503 ? 'The warehouse is unreachable: nothing was recorded. Try again in a moment.'
              : `Not recorded: ${error.message}`;
      for (const b of buttons) b.disabled = false;
    }
  });
  return card('Review', form);
}

function tokenCard(flag, detail) {
  const fp = flag.token_fingerprint;
  if (!fp) return null;
  const t = detail ?? flag.token;
  return card(
    'Token',
    fpChip(fp, { link: false }),
    t
      ? facts([
        ['State', stateBadge(t.state)],
        ['Type', t.token_type || '—'],
        ['App', t.app_id || '—'],
        ['User', t.user_id || '—'],
        ['Client', t.client_id || '—'],
        ['First seen', timeEl(t.first_seen, utc(t.first_seen))],
        ['Last seen', timeEl(t.last_seen, ago(t.last_seen))],
        detail ? ['Requests (all time)', num(detail.requests)] : null,
        detail ? ['Flags', num(detail.flags.length)] : null,
      ])
      : h('p', { class: 'muted' }, 'Not in the token registry.'),
    h('a', { class: 'btn btn-block', href: `#/tokens/${fp}` }, 'Open token detail →'),
  );
}

function render(view, flag, detail, notice, onReviewed) {
  const x = explain(flag);
  const d = DETECTORS[flag.detector];
  const hourly = detail?.usage?.requests_per_hour_24h;

  const page = h(
    'article',
    { class: 'page flag', dataset: { flagId: flag.flag_id, status: flag.status } },
    h('a', { class: 'back', href: '#/' }, '← Flag queue'),
    h(
      'header',
      { class: `flag-head sev-${flag.severity}` },
      h('div', { class: 'flag-tags' }, severityBadge(flag.severity), h('span', { class: 'det-name' }, detectorLabel(flag.detector)), statusBadge(flag.status), h('span', { class: 'score', title: 'how far past the threshold' }, `score ${num(flag.score)}`)),
      h('h1', { class: 'explanation', tabindex: '-1' }, flag.explanation),
      d ? h('p', { class: 'det-what muted' }, `${d.label}: ${d.what}.`) : null,
      facts(
        [
          [flag.subject_type === 'token' ? 'Token' : `Subject (${flag.subject_type})`, subjectEl(flag)],
          ['App', flag.app_id || '—'],
          ['User', flag.user_id || '—'],
          ['Window', h('span', {}, `${utc(flag.window_start)} – ${utc(flag.window_end, { date: false })}`)],
          ['Raised', timeEl(flag.created_at, ago(flag.created_at))],
        ],
        'facts inline',
      ),
    ),
    notice ? h('p', { class: 'notice', role: 'status', tabindex: '-1' }, notice) : null,
    h(
      'div',
      { class: 'flag-grid' },
      h(
        'div',
        { class: 'col-main' },
        card('Why it was raised', x.figures.length ? figuresTable(x) : h('p', { class: 'muted' }, 'No figures recorded.')),
        whereAndWhen(x, detail),
        hourly ? card('Requests per hour', hourlyChart(hourly, { windowStart: flag.window_start, windowEnd: flag.window_end })) : null,
        networkCard(x, detail),
      ),
      h(
        'aside',
        { class: 'col-side' },
        reviewCard(flag, onReviewed),
        tokenCard(flag, detail),
        card('History', historyEl(flag.history)),
        x.family ? card('Refresh family', h('a', { href: `#/tokens/${x.family}` }, 'Open the family’s first token →')) : null,
        h('details', { class: 'card raw' }, h('summary', {}, 'Raw evidence (JSON)'), h('pre', { class: 'mono' }, JSON.stringify(flag.evidence, null, 2))),
      ),
    ),
  );
  clear(view).append(page);
}

async function fetchFlag(id) {
  const flag = await api(`/v1/flags/${id}`);
  let detail = null;
  if (flag.token_fingerprint) {
    try {
      detail = await api(`/v1/tokens/${flag.token_fingerprint}`);
    } catch (error) {
      if (error.status !== 404) throw error;
    }
  }
  return { flag, detail };
}

export function renderFlag(main, id) {
  const view = h('div', { class: 'view' });
  main.append(view);
  let stop = null;
  const show = (notice) => {
    stop?.();
    stop = loadPage(
      view,
      () => fetchFlag(id),
      ({ flag, detail }) => {
        render(view, flag, detail, notice, (message) => show(message));
        const focusTarget = notice ? view.querySelector('.notice') : view.querySelector('h1');
        focusTarget?.focus({ preventScroll: !notice });
      },
      { what: 'Loading flag…' },
    );
  };
  show();

  const onKey = (e) => {
    if (e.key !== 'Escape' || e.target.closest?.('input, select, textarea')) return;
    location.hash = '#/';
  };
  document.addEventListener('keydown', onKey);
  return () => {
    stop?.();
    document.removeEventListener('keydown', onKey);
  };
}
