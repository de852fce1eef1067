/** Small DOM and formatting helpers shared by the console's pages. No framework: elements in, elements out. */

const SVG_NS = 'http://www.w3.org/2000/svg';

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false || child === '') continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

function applyAttrs(el, attrs) {
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') el.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : value);
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'value' && 'value' in el) el.value = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
}

/** h('a', { href: '#/', class: 'x', onclick: fn }, 'text', child, [more]) */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

/** The same for SVG elements (the map and the charts). */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

// ---- numbers and times -------------------------------------------------------------

export function num(n, digits) {
  if (n === null || n === undefined || Number.isNaN(Number(n))) return '—';
  const v = Number(n);
  const d = digits ?? (Math.abs(v) >= 100 || Number.isInteger(v) ? 0 : Math.abs(v) >= 10 ? 1 : 2);
  return v.toLocaleString('en-US', { maximumFractionDigits: d });
}

export function pct(ratio) {
  return ratio === null || ratio === undefined ? '—' : `${num(ratio * 100, 1)} %`;
}

const pad = (n) => String(n).padStart(2, '0');

/** ISO 8601, or ClickHouse's "2024-05-01 14:05:00.000" (UTC), as a Date. */
export function toDate(value) {
  if (value instanceof Date) return value;
  const text = String(value);
  return new Date(/^\d{4}-\d\d-\d\d \d/.test(text) ? `${text.replace(' ', 'T')}Z` : text);
}

/** 2024-05-01 14:05 UTC: analysts compare with logs, which are in UTC. */
export function utc(iso, { seconds = false, date = true } = {}) {
  if (!iso) return '—';
  const d = toDate(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}${seconds ? `:${pad(d.getUTCSeconds())}` : ''}`;
  return date ? `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${time} UTC` : `${time} UTC`;
}

export function hhmm(iso) {
  return utc(iso, { date: false }).replace(' UTC', '');
}

export function ago(iso, now = Date.now()) {
  if (!iso) return '—';
  const ms = now - toDate(iso).getTime();
  if (!Number.isFinite(ms)) return '—';
  const future = ms < 0;
  const m = Math.abs(ms) / 60_000;
  const text = m < 1 ? 'just now' : m < 60 ? `${Math.round(m)} min` : m < 48 * 60 ? `${Math.round(m / 60)} h` : `${Math.round(m / 1440)} days`;
  if (text === 'just now') return text;
  return future ? `in ${text}` : `${text} ago`;
}

/** A duration in minutes, readable: 13 min, 5.2 h, 25 days. */
export function duration(minutes) {
  if (minutes === null || minutes === undefined) return '—';
  if (minutes < 90) return `${num(minutes)} min`;
  if (minutes < 48 * 60) return `${num(minutes / 60)} h`;
  return `${num(minutes / 1440)} days`;
}

/** A <time> element: short text, the full UTC time on hover. */
export function timeEl(iso, text) {
  return h('time', { datetime: iso ?? undefined, title: iso ? utc(iso, { seconds: true }) : undefined }, text ?? utc(iso));
}

// ---- domain vocabulary -------------------------------------------------------------

export const DETECTORS = {
  rate_spike: { label: 'Rate spike', what: 'request rate far above the token’s own baseline' },
  ip_fanout: { label: 'IP fan-out', what: 'one token used from many IPs or networks' },
  impossible_travel: { label: 'Impossible travel', what: 'places too far apart for the time between them' },
  new_location: { label: 'New location', what: 'a country or network never seen for this token' },
  auth_failures: { label: 'Auth failures', what: 'a burst of 401/403 responses' },
  revoked_use: { label: 'Revoked token accepted', what: 'a revoked token still got 2xx responses' },
  refresh_reuse: { label: 'Refresh token reuse', what: 'a rotated refresh token used again' },
  dormant_reuse: { label: 'Dormant token reused', what: 'a long-idle token suddenly active from a new place' },
};

export const SEVERITIES = ['critical', 'high', 'medium', 'low'];
export const SEVERITY_RANK = { critical: 4, high: 3, medium: 2, low: 1 };

export const STATUS_LABELS = { open: 'Open', needs_review: 'Needs review', confirmed: 'Confirmed', dismissed: 'Dismissed' };

export function detectorLabel(name) {
  return DETECTORS[name]?.label ?? name;
}

export function severityBadge(severity) {
  return h('span', { class: `badge sev sev-${severity}` }, severity);
}

export function statusBadge(status) {
  return h('span', { class: `badge status status-${status}`, dataset: { status } }, STATUS_LABELS[status] ?? status);
}

export function stateBadge(state) {
  return h('span', { class: `badge state state-${state}` }, state);
}

// ---- fingerprints ------------------------------------------------------------------

export const FP_RE = /^[0-9a-f]{64}$/;

export function shortFp(fp) {
  return fp && fp.length > 16 ? `${fp.slice(0, 10)}…${fp.slice(-4)}` : fp;
}

async function copyText(text, button) {
  try {
    await navigator.clipboard.writeText(text);
    button.classList.add('copied');
    button.setAttribute('aria-label', 'Copied');
    button.title = 'Copied';
    setTimeout(() => {
      button.classList.remove('copied');
      button.setAttribute('aria-label', button.dataset.label);
      button.title = button.dataset.label;
    }, 1500);
  } catch {
    // No clipboard (permissions): select the text so Ctrl+C works.
    const range = document.createRange();
    range.selectNodeContents(button.previousElementSibling);
    const sel = getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }
}

export function copyButton(text, label = 'Copy') {
  return h(
    'button',
    {
      type: 'button',
      class: 'copy',
      title: label,
      'aria-label': label,
      dataset: { label },
      onclick: (e) => {
        e.preventDefault();
        e.stopPropagation();
        copyText(text, e.currentTarget);
      },
    },
    h('span', { 'aria-hidden': 'true', class: 'copy-icon' }),
  );
}

/** A fingerprint: monospace, truncated, full value on hover, a link to the token, a copy button. */
export function fpChip(fp, { link = true, full = false } = {}) {
  if (!fp) return h('span', { class: 'muted' }, '—');
  const text = full ? fp : shortFp(fp);
  const label = link
    ? h('a', { href: `#/tokens/${fp}`, class: 'mono fp-text', title: fp }, text)
    : h('span', { class: 'mono fp-text', title: fp }, text);
  return h('span', { class: ['fp', full && 'fp-full'] }, label, copyButton(fp, 'Copy fingerprint'));
}

/** The subject of a flag: a token fingerprint links to the token; others are shown as they are. */
export function subjectEl(flag) {
  if (flag.subject_type === 'token') return fpChip(flag.subject);
  return h('span', { class: 'subject' }, h('span', { class: 'subject-type' }, flag.subject_type), ' ', h('span', { class: 'mono' }, flag.subject));
}

export function asnText(asn, org) {
  if (!asn) return '—';
  return org ? `AS${asn} ${org}` : `AS${asn}`;
}

// ---- states of a page: loading, empty, error ---------------------------------------

export function loading(text = 'Loading…') {
  return h('div', { class: 'state-box loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
}

export function emptyState(title, hint) {
  return h('div', { class: 'state-box empty', role: 'status' }, h('strong', {}, title), hint ? h('p', {}, hint) : null);
}

/** What went wrong, in words: the warehouse, the server, the key's role, or the request. */
export function describeError(error) {
  if (!error) return 'unknown error';
  if (error.status === 503) return 'Warehouse unreachable: retrying';
  if (error.status === 0) return 'tokenwatch is unreachable (network or server down): retrying';
  if (error.status === 403) return `Not allowed with this key: ${error.message}`;
  if (error.status === 404) return `Not found: ${error.message}`;
  return error.message || String(error);
}

export function errorBox(error, { retryIn, onRetry } = {}) {
  const transient = error.status === 503 || error.status === 0;
  return h(
    'div',
    { class: ['state-box', 'error', transient && 'transient'], role: 'alert' },
    h('strong', {}, describeError(error)),
    transient && retryIn ? h('p', {}, `Next attempt in ${retryIn} s.`) : !transient && error.code ? h('p', { class: 'muted' }, `(${error.code})`) : null,
    onRetry ? h('button', { type: 'button', class: 'btn', onclick: onRetry }, 'Retry now') : null,
  );
}

/** A labelled value list (dl) from [label, value] pairs; values may be nodes. */
export function facts(pairs, cls = 'facts') {
  return h(
    'dl',
    { class: cls },
    pairs.filter(Boolean).map(([k, v]) => h('div', { class: 'fact' }, h('dt', {}, k), h('dd', {}, v === '' || v === null || v === undefined ? '—' : v))),
  );
}

export function card(title, ...children) {
  return h('section', { class: 'card', 'aria-label': typeof title === 'string' ? title : undefined }, title ? h('h2', { class: 'card-title' }, title) : null, children);
}

/** A simple table: columns [{label, cell(row), class}] */
export function table(columns, rows, { caption, cls = 'data' } = {}) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: cls },
      caption ? h('caption', { class: 'sr-only' }, caption) : null,
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.class }, c.label)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, columns.map((c) => h('td', { class: c.class, 'data-label': c.label }, c.cell(r)))))),
    ),
  );
}

/**
 * Loads a page's data into `container`: a loading state first; on a warehouse outage
 * (503) or a dropped connection, "… retrying" and another attempt every `retryMs`; on
 * another error, the error and a retry button. Returns a cleanup that stops retrying.
 */
export function loadPage(container, load, render, { retryMs = 5000, what = 'Loading…' } = {}) {
  let timer = null;
  let stopped = false;
  const attempt = async () => {
    clearTimeout(timer);
    if (!container.firstChild) container.append(loading(what));
    try {
      const data = await load();
      if (stopped) return;
      clear(container);
      render(data);
    } catch (error) {
      if (stopped || error?.status === 401) return;
      clear(container);
      const transient = error.status === 503 || error.status === 0;
      container.append(errorBox(error, { retryIn: transient ? retryMs / 1000 : undefined, onRetry: attempt }));
      if (transient) timer = setTimeout(attempt, retryMs);
    }
  };
  attempt();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
