/**
 * The review console: login, hash routing, the page shell. Pages are modules with
 * `render(main, params) → cleanup`: the flag queue, a flag, a token, token lookup.
 */
import { api, ApiError, onUnauthorized, session } from './api.js';
import { clear, h } from './dom.js';
import { renderFlag } from './flag.js';
import { renderQueue } from './queue.js';
import { renderLookup, renderToken } from './token.js';

const main = document.getElementById('main');
const nav = document.querySelector('.nav');
const sessionBox = document.querySelector('.session');
const banner = document.querySelector('.banner');

const ROUTES = [
  { re: /^#?\/?(?:flags)?(?:\?.*)?$/, page: 'queue', render: (m) => renderQueue(m) },
  { re: /^#\/flags\/([0-9a-f]{32})$/, page: 'queue', render: (m, [id]) => renderFlag(m, id) },
  { re: /^#\/tokens\/([0-9a-f]{64})$/, page: 'lookup', render: (m, [fp]) => renderToken(m, fp) },
  { re: /^#\/lookup$/, page: 'lookup', render: (m) => renderLookup(m) },
];

let cleanup = null;

function showBanner(text, kind = 'info') {
  banner.textContent = text;
  banner.className = `banner banner-${kind}`;
  banner.hidden = !text;
}

function unmount() {
  if (typeof cleanup === 'function') cleanup();
  cleanup = null;
}

function route() {
  unmount();
  if (!session.key) return renderLogin();
  nav.hidden = false;
  sessionBox.hidden = false;
  sessionBox.querySelector('[data-role]').textContent = session.role === 'admin' ? 'admin key' : 'read-only key';
  sessionBox.querySelector('[data-role]').className = `role role-${session.role}`;
  const hash = location.hash || '#/';
  const match = ROUTES.map((r) => ({ r, m: r.re.exec(hash) })).find((x) => x.m);
  for (const a of nav.querySelectorAll('a')) a.toggleAttribute('aria-current', match?.r.page === a.dataset.nav);
  clear(main);
  if (!match) {
    main.append(h('div', { class: 'state-box empty' }, h('strong', {}, 'No such page.'), h('p', {}, h('a', { href: '#/' }, 'Back to the flag queue'))));
    return;
  }
  cleanup = match.r.render(main, match.m.slice(1));
}

function renderLogin(message) {
  unmount();
  nav.hidden = true;
  sessionBox.hidden = true;
  clear(main);
  const input = h('input', {
    id: 'api-key',
    name: 'api-key',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    minlength: 1,
    'aria-describedby': 'login-help',
  });
  const status = h('p', { class: 'login-message', role: 'alert' }, message ?? '');
  status.hidden = !message;
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Sign in');
  const form = h(
    'form',
    { class: 'login card', method: 'post', action: '#', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, 'Review console'),
    h('p', { class: 'muted', id: 'login-help' }, 'Paste a read or admin API key. It is kept in this browser tab only and sent as an Authorization header.'),
    status,
    h('label', { for: 'api-key' }, 'API key'),
    input,
    submit,
    h('p', { class: 'login-hint muted' }, 'No key yet? ', h('code', {}, 'npx tokenwatch keys create --role read'), ' (or ', h('code', {}, '--role admin'), ' to review).'),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    submit.disabled = true;
    submit.textContent = 'Checking…';
    try {
      const { role } = await api('/v1/whoami', { key });
      if (role === 'ingest') {
        throw new ApiError(403, 'forbidden', 'this is an ingest key (for gateways): the console needs a read or admin key');
      }
      session.start(key, role);
      input.value = '';
      route();
    } catch (error) {
      status.hidden = false;
      status.textContent =
        error.status === 401
          ? 'That key was not accepted (unknown API key). Check it and try again.'
          : error.status === 403
            ? error.message.charAt(0).toUpperCase() + error.message.slice(1) + '.'
            : error.status === 503
              ? 'The warehouse is unreachable; try again in a moment.'
              : `Could not sign in: ${error.message}`;
      submit.disabled = false;
      submit.textContent = 'Sign in';
      input.focus();
      input.select();
    }
  });
  main.append(h('div', { class: 'login-wrap' }, form));
  input.focus();
}

onUnauthorized(() => {
  renderLogin('Your session ended: the API key was refused (401). Sign in again with a valid read or admin key.');
});

document.querySelector('[data-signout]').addEventListener('click', () => {
  session.end();
  renderLogin('Signed out. The key was removed from this tab.');
});

window.addEventListener('hashchange', route);
window.addEventListener('online', () => showBanner(''));
window.addEventListener('offline', () => showBanner('This browser is offline: data shown may be stale.', 'warn'));
route();
