/**
 * The flag queue: filters, a table worked like a ticket queue, live refresh every 10 s
 * that keeps the analyst's place (filters, selection, focus and scroll survive a refresh
 * and a visit to a flag), j/k to move and Enter to open.
 */
import { api, qs } from './api.js';
import {
  ago, clear, DETECTORS, describeError, detectorLabel, emptyState, errorBox, h, loading, num, SEVERITIES, severityBadge, statusBadge, subjectEl, utc,
} from './dom.js';

export const POLL_MS = 10_000;
const PAGE = 50;
const MAX = 500;
const DEFAULTS = { status: 'review', detector: '', severity: '', app_id: '', user_id: '', range: '24h', sort: 'severity' };
const RANGES = { '24h': 'in the last 24 h', '7d': 'in the last 7 days', '30d': 'in the last 30 days', all: '' };

/** Kept across visits to a flag and back: where the analyst was. */
const memory = { key: null, flags: [], limit: PAGE, nextOffset: null, selected: null, scrollY: 0, known: null, updatedAt: null };

function filtersFromHash() {
  const q = location.hash.split('?')[1];
  if (!q) return null;
  const params = new URLSearchParams(q);
  const f = { ...DEFAULTS };
  for (const k of Object.keys(DEFAULTS)) if (params.has(k)) f[k] = params.get(k);
  return f;
}

function hashFor(f) {
  const diff = Object.fromEntries(Object.entries(f).filter(([k, v]) => v !== DEFAULTS[k]));
  return `#/flags${qs(diff)}`;
}

function apiPath(f, limit) {
  const status = f.status === 'review' ? 'open,needs_review' : f.status === 'all' ? undefined : f.status;
  return `/v1/flags${qs({
    status,
    detector: f.detector,
    severity: f.severity,
    app_id: f.app_id.trim(),
    user_id: f.user_id.trim(),
    from: f.range === 'all' ? undefined : `now-${f.range}`,
    sort: f.sort,
    limit,
  })}`;
}

function emptyText(f) {
  const range = RANGES[f.range] ?? '';
  const narrowed = f.detector || f.severity || f.app_id.trim() || f.user_id.trim();
  const what =
    f.status === 'review' ? 'No open flags' : f.status === 'all' ? 'No flags' : `No ${f.status.replace('_', ' ')} flags`;
  const title = `${what}${narrowed ? ' match these filters' : ''} ${range}`.trim() + '.';
  const hint = f.status === 'review' && !narrowed ? 'Nothing to review. New flags appear here as detectors raise them.' : 'Widen the time range or clear the filters.';
  return [title, hint];
}

function select(name, label, options, value) {
  return h(
    'label',
    { class: 'field' },
    h('span', {}, label),
    h('select', { name }, options.map(([v, text]) => h('option', { value: v, selected: v === value }, text))),
  );
}

function text(name, label, value, placeholder) {
  return h('label', { class: 'field' }, h('span', {}, label), h('input', { name, type: 'search', value, placeholder, autocomplete: 'off', spellcheck: 'false' }));
}

const sameDay = (iso) => utc(iso).slice(0, 10) === utc(new Date().toISOString()).slice(0, 10);

function rowFor(flag, fresh) {
  const href = `#/flags/${flag.flag_id}`;
  return h(
    'tr',
    { class: ['qrow', `sev-${flag.severity}`, fresh && 'fresh', memory.selected === flag.flag_id && 'selected'], dataset: { flagId: flag.flag_id, href } },
    h('td', { class: 'c-sev' }, severityBadge(flag.severity)),
    h(
      'td',
      { class: 'c-flag' },
      h('a', { class: 'row-link', href }, h('span', { class: 'det' }, detectorLabel(flag.detector)), h('span', { class: 'expl' }, flag.explanation)),
    ),
    h('td', { class: 'c-subject' }, subjectEl(flag)),
    h(
      'td',
      { class: 'c-who' },
      flag.app_id ? h('span', { class: 'who', title: 'application' }, h('span', { class: 'who-k' }, 'app'), flag.app_id) : null,
      flag.user_id ? h('span', { class: 'who', title: 'user' }, h('span', { class: 'who-k' }, 'user'), flag.user_id) : null,
      !flag.app_id && !flag.user_id ? h('span', { class: 'muted' }, '—') : null,
    ),
    h(
      'td',
      { class: 'c-when' },
      h('time', { datetime: flag.window_start, title: `window ${utc(flag.window_start)} – ${utc(flag.window_end, { date: false })}`, dataset: { ago: flag.window_start } }, ago(flag.window_start)),
      h('small', {}, sameDay(flag.window_start) ? utc(flag.window_start, { date: false }) : utc(flag.window_start).slice(5, 16)),
    ),
    h('td', { class: 'c-status' }, statusBadge(flag.status)),
  );
}

export function renderQueue(main) {
  const fromHash = filtersFromHash();
  const filters = fromHash ?? (memory.key ? JSON.parse(memory.key) : { ...DEFAULTS });
  if (!fromHash && memory.key) history.replaceState(null, '', hashFor(filters));
  const key = JSON.stringify(filters);
  if (memory.key !== key) Object.assign(memory, { key, flags: [], limit: PAGE, nextOffset: null, selected: null, scrollY: 0, known: null, updatedAt: null });

  const live = h('p', { class: 'live', role: 'status', 'aria-live': 'polite' });
  const summary = h('p', { class: 'summary' });
  const body = h('div', { class: 'queue-body' });
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter flags', onsubmit: (e) => e.preventDefault() },
    select('status', 'Status', [['review', 'To review'], ['open', 'Open'], ['needs_review', 'Needs review'], ['confirmed', 'Confirmed'], ['dismissed', 'Dismissed'], ['all', 'Any status']], filters.status),
    select('detector', 'Detector', [['', 'All detectors'], ...Object.entries(DETECTORS).map(([k, d]) => [k, d.label])], filters.detector),
    select('severity', 'Severity', [['', 'Any severity'], ...SEVERITIES.map((s) => [s, s === 'critical' ? 'Critical' : `${s[0].toUpperCase()}${s.slice(1)} and above`])], filters.severity),
    text('app_id', 'App', filters.app_id, 'app id'),
    text('user_id', 'User', filters.user_id, 'user id'),
    select('range', 'Raised', [['24h', 'Last 24 h'], ['7d', 'Last 7 days'], ['30d', 'Last 30 days'], ['all', 'Any time']], filters.range),
    select('sort', 'Order', [['severity', 'Most severe first'], ['time', 'Newest first']], filters.sort),
  );

  const activeText = h('span', { class: 'filter-active' });
  const filterBox = h('details', { class: 'filter-box', open: matchMedia('(min-width: 721px)').matches }, h('summary', {}, 'Filters', activeText), form);
  const describeFilters = () => {
    const parts = [...form.querySelectorAll('select')].filter((el) => el.value !== DEFAULTS[el.name]).map((el) => el.selectedOptions[0]?.textContent);
    for (const name of ['app_id', 'user_id']) if (filters[name].trim()) parts.push(`${name === 'app_id' ? 'app' : 'user'} ${filters[name].trim()}`);
    activeText.textContent = parts.length ? parts.join(' · ') : 'to review, last 24 h';
  };
  describeFilters();

  main.append(
    h(
      'div',
      { class: 'page queue' },
      h('div', { class: 'page-head' }, h('div', {}, h('h1', { tabindex: '-1' }, 'Flag queue'), summary), live),
      filterBox,
      body,
      h('p', { class: 'kbd-help muted' }, h('kbd', {}, 'j'), ' / ', h('kbd', {}, 'k'), ' move · ', h('kbd', {}, 'Enter'), ' open · ', h('kbd', {}, '/'), ' filter'),
    ),
  );

  let timer = null;
  let inflight = null;
  let unmounted = false;
  let failedAt = null;

  const rowsEl = () => [...body.querySelectorAll('tr.qrow')];

  function markSelected(id, { focus = false } = {}) {
    memory.selected = id;
    for (const tr of rowsEl()) tr.classList.toggle('selected', tr.dataset.flagId === id);
    const tr = body.querySelector(`tr[data-flag-id="${id}"]`);
    if (tr && focus) {
      tr.querySelector('.row-link').focus({ preventScroll: true });
      tr.scrollIntoView({ block: 'nearest' });
    }
  }

  function renderSummary() {
    const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
    for (const f of memory.flags) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
    clear(summary).append(
      h('strong', {}, `${num(memory.flags.length)}${memory.nextOffset !== null ? '+' : ''} flag${memory.flags.length === 1 ? '' : 's'}`),
      ...SEVERITIES.filter((s) => counts[s]).map((s) => h('span', { class: `count sev-${s}` }, `${counts[s]} ${s}`)),
    );
  }

  function renderRows(fresh = new Set()) {
    const active = document.activeElement;
    const focusedRow = active && body.contains(active) ? active.closest('tr.qrow')?.dataset.flagId : null;
    const y = window.scrollY;
    clear(body);
    if (memory.flags.length === 0) {
      const [title, hint] = emptyText(filters);
      const box = emptyState(title, hint);
      if (form.querySelector('[name=detector]').value || form.querySelector('[name=severity]').value || filters.app_id || filters.user_id || filters.status !== 'review') {
        box.append(h('button', { type: 'button', class: 'btn', onclick: () => apply({ ...DEFAULTS, range: filters.range }) }, 'Clear filters'));
      }
      body.append(box);
      renderSummary();
      return;
    }
    const tbody = h('tbody', {}, memory.flags.map((f) => rowFor(f, fresh.has(f.flag_id))));
    body.append(
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'queue-table' },
          h('caption', { class: 'sr-only' }, 'Flagged tokens; select a row to open it'),
          h('thead', {}, h('tr', {}, ['Severity', 'Flag', 'Subject', 'App · user', 'Window', 'Status'].map((c) => h('th', { scope: 'col' }, c)))),
          tbody,
        ),
      ),
    );
    if (memory.nextOffset !== null && memory.limit < MAX) {
      body.append(h('div', { class: 'more' }, h('button', { type: 'button', class: 'btn', onclick: () => { memory.limit = Math.min(MAX, memory.limit + PAGE); load(); } }, 'Load more')));
    }
    renderSummary();
    if (focusedRow) markSelected(focusedRow, { focus: true });
    window.scrollTo(0, y);
  }

  function setLive() {
    clear(live);
    live.classList.toggle('failing', failedAt !== null);
    if (failedAt) {
      live.append(h('span', { class: 'dot' }), `${describeError(failedAt)} every ${POLL_MS / 1000} s`, memory.updatedAt ? ` · showing results from ${utc(memory.updatedAt, { date: false, seconds: true })}` : '');
    } else if (memory.updatedAt) {
      live.append(h('span', { class: 'dot' }), `Live · updated ${utc(memory.updatedAt, { date: false, seconds: true })}`);
    }
  }

  let seq = 0;
  async function load({ quiet = false } = {}) {
    const path = apiPath(filters, memory.limit);
    if (inflight && inflight.path === path) return inflight.done;
    const mine = ++seq;
    if (!quiet && memory.flags.length === 0) clear(body).append(loading('Loading flags…'));
    const done = (async () => {
      try {
        const res = await api(path);
        if (mine !== seq || unmounted) return; // the filters changed meanwhile: a newer load owns the page
        const before = new Set(memory.flags.map((f) => `${f.flag_id}|${f.status}|${f.updated_at}`));
        const changed = res.flags.length !== memory.flags.length || res.flags.some((f) => !before.has(`${f.flag_id}|${f.status}|${f.updated_at}`)) || memory.updatedAt === null;
        const fresh = new Set(memory.known ? res.flags.filter((f) => !memory.known.has(f.flag_id)).map((f) => f.flag_id) : []);
        memory.known = new Set([...(memory.known ?? []), ...res.flags.map((f) => f.flag_id)]);
        memory.flags = res.flags;
        memory.nextOffset = res.next_offset;
        memory.updatedAt = new Date().toISOString();
        failedAt = null;
        if (changed) renderRows(fresh);
        else for (const t of body.querySelectorAll('time[data-ago]')) t.textContent = ago(t.dataset.ago);
        setLive();
        if (fresh.size) live.append(` · ${fresh.size} new flag${fresh.size === 1 ? '' : 's'}`);
      } catch (error) {
        if (mine !== seq || unmounted || error?.name === 'AbortError' || error.status === 401) return;
        failedAt = error;
        setLive();
        if (memory.flags.length === 0 || !quiet) {
          clear(body).append(errorBox(error, { retryIn: error.status === 503 || error.status === 0 ? POLL_MS / 1000 : undefined, onRetry: () => load() }));
        }
      } finally {
        if (mine === seq) inflight = null;
      }
    })();
    inflight = { path, done };
    return done;
  }

  /** Every field at once: a change to one must not drop a pending edit of another. */
  const readForm = () => Object.fromEntries([...form.elements].filter((el) => el.name in filters).map((el) => [el.name, el.value]));

  function apply(next) {
    Object.assign(filters, next);
    for (const el of form.elements) if (el.name in filters) el.value = filters[el.name];
    if (JSON.stringify(filters) === memory.key) return;
    history.replaceState(null, '', hashFor(filters));
    describeFilters();
    Object.assign(memory, { key: JSON.stringify(filters), flags: [], limit: PAGE, nextOffset: null, selected: null, scrollY: 0, known: null, updatedAt: null });
    load();
  }

  let debounce = null;
  form.addEventListener('change', (e) => {
    if (!(e.target.name in filters)) return;
    clearTimeout(debounce);
    apply(readForm());
  });
  form.addEventListener('input', (e) => {
    if (e.target.tagName !== 'INPUT') return;
    clearTimeout(debounce);
    debounce = setTimeout(() => apply(readForm()), 400);
  });

  body.addEventListener('click', (e) => {
    const tr = e.target.closest('tr.qrow');
    if (!tr) return;
    markSelected(tr.dataset.flagId);
    if (e.target.closest('a, button')) return;
    location.hash = tr.dataset.href;
  });
  body.addEventListener('focusin', (e) => {
    const tr = e.target.closest('tr.qrow');
    if (tr) markSelected(tr.dataset.flagId);
  });

  function onKey(e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.target.closest?.('input, select, textarea, [contenteditable]')) {
      if (e.key === 'Escape') e.target.blur();
      return;
    }
    if (e.key === '/') {
      e.preventDefault();
      filterBox.open = true;
      form.querySelector('select, input').focus();
      return;
    }
    if (e.key !== 'j' && e.key !== 'k' && e.key !== 'Enter' && e.key !== 'o') return;
    const ids = memory.flags.map((f) => f.flag_id);
    if (ids.length === 0) return;
    const at = ids.indexOf(memory.selected);
    if (e.key === 'j' || e.key === 'k') {
      e.preventDefault();
      const next = at === -1 ? 0 : Math.max(0, Math.min(ids.length - 1, at + (e.key === 'j' ? 1 : -1)));
      markSelected(ids[next], { focus: true });
    } else if (at !== -1 && !e.target.closest?.('a, button')) {
      e.preventDefault();
      location.hash = `#/flags/${ids[at]}`;
    }
  }
  document.addEventListener('keydown', onKey);

  // Back from a flag: the rows as they were, at the same place, then a fresh look.
  if (memory.flags.length > 0) {
    renderRows();
    setLive();
    window.scrollTo(0, memory.scrollY);
    if (memory.selected) markSelected(memory.selected, { focus: true });
    load({ quiet: true });
  } else {
    load();
  }
  timer = setInterval(() => load({ quiet: true }), POLL_MS);

  return () => {
    unmounted = true;
    clearInterval(timer);
    clearTimeout(debounce);
    document.removeEventListener('keydown', onKey);
    memory.scrollY = window.scrollY;
  };
}
