/**
 * The review console in a real browser (Debian's chromium through playwright-core)
 * against a real listening server seeded with attacks: an analyst signs in, works the
 * queue, reads why a flag was raised, confirms it; a read key cannot; the raw token
 * never reaches a URL; nothing leaves 127.0.0.1.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/ingest/fingerprint.js';
import { configKeyId, sha256 } from '../../src/keys/keyring.js';
import { createLogger } from '../../src/logger.js';
import { startServer, type Server } from '../../src/server.js';
import { KEYS, LogCapture, tempDir, testConfig } from '../helpers.js';
import { seed, type Seeded } from './seed.js';

/** The few browser globals used inside page.evaluate (the project compiles without the DOM lib). */
interface WebStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}
declare const sessionStorage: WebStorage;
declare const localStorage: WebStorage;
declare const window: { innerWidth: number };
declare const document: {
  documentElement: { scrollWidth: number };
  activeElement: { closest(selector: string): { getAttribute(name: string): string | null } | null } | null;
};

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

let server: Server;
let base: string;
let seeded: Seeded;
let browser: Browser;
const logs = new LogCapture();
const contexts: BrowserContext[] = [];
/** Every request any page made: for "no raw token in a URL" and "nothing leaves 127.0.0.1". */
const requests: { url: string; method: string; body: string | null }[] = [];
const offHost: string[] = [];
const pageErrors: string[] = [];
const cspViolations: string[] = [];

const flagOf = (detector: string, subjectToken?: string) => {
  const fp = subjectToken ? fingerprint(server.ctx.secrets.pepper, subjectToken) : undefined;
  const flag = seeded.flags.find((f) => f.detector === detector && (fp === undefined || f.subject === fp));
  if (!flag) throw new Error(`no ${detector} flag in ${JSON.stringify(seeded.flags.map((f) => f.detector))}`);
  return flag;
};

async function newPage(viewport = DESKTOP): Promise<Page> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, isMobile: viewport.width < 500, hasTouch: viewport.width < 500 });
  contexts.push(context);
  // Anything not for our server is recorded and refused: the console must need no other host.
  await context.route((url) => url.origin !== base, (route) => {
    offHost.push(route.request().url());
    return route.abort();
  });
  context.on('request', (r) => requests.push({ url: r.url(), method: r.method(), body: r.postData() }));
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  return page;
}

async function signIn(page: Page, key: string) {
  await page.goto(`${base}/`);
  await page.locator('#api-key').fill(key);
  await page.locator('#api-key').press('Enter');
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
}

const hasHorizontalScroll = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  server = await startServer(testConfig(tempDir()), { geo: false, schedule: false, logger: createLogger('info', logs) });
  base = server.url;
  expect(new URL(base).hostname).toBe('127.0.0.1');
  seeded = await seed(base, () => server.ctx.flusher.drained());
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}, 180_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await server?.close();
});

describe('the console is served by the app', () => {
  it('at / with a strict Content-Security-Policy, no inline script and no other host', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).not.toMatch(/https?:\/\//);
    const js = await fetch(`${base}/console/app.js`);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(js.headers.get('content-security-policy')).toBe(csp);
    expect((await fetch(`${base}/console/..%2Fapi.ts`)).status).toBe(404);
    expect((await fetch(`${base}/console/nope.js`)).status).toBe(404);
  });

  it('GET /v1/whoami tells a key its role; a wrong key is 401', async () => {
    for (const role of ['ingest', 'read', 'admin'] as const) {
      const res = await fetch(`${base}/v1/whoami`, { headers: { authorization: `Bearer ${KEYS[role]}` } });
      expect(await res.json()).toEqual({ role });
    }
    expect((await fetch(`${base}/v1/whoami`, { headers: { authorization: 'Bearer not-a-key-0123456789' } })).status).toBe(401);
  });
});

describe('an analyst with an admin key', () => {
  let page: Page;
  const travel = () => flagOf('impossible_travel', seeded.tokens.traveller);

  beforeAll(async () => {
    page = await newPage();
    await signIn(page, KEYS.admin);
    await page.locator('tr.qrow').first().waitFor();
  });

  it('sees the queue, most severe first, and moves through it with j/k', async () => {
    await expect.poll(() => page.locator('[data-role]').textContent()).toBe('admin key');
    const rows = page.locator('tr.qrow');
    expect(await rows.count()).toBe(seeded.flags.length);
    const severities = await page.locator('tr.qrow .sev').allTextContents();
    const rank = { critical: 4, high: 3, medium: 2, low: 1 } as Record<string, number>;
    expect(severities.map((s) => rank[s.toLowerCase()])).toEqual([...severities.map((s) => rank[s.toLowerCase()])].sort((a, b) => b! - a!));
    await expect.poll(() => page.locator('.live').textContent()).toMatch(/Live · updated/);
    await shot(page, 'console-queue-desktop');

    await page.locator('body').press('j');
    await expect.poll(() => page.locator('tr.qrow').nth(0).getAttribute('class')).toContain('selected');
    await page.locator('body').press('j');
    await expect.poll(() => page.locator('tr.qrow').nth(1).getAttribute('class')).toContain('selected');
    await page.keyboard.press('k');
    await expect.poll(() => page.locator('tr.qrow').nth(0).getAttribute('class')).toContain('selected');
  });

  it('opens the impossible-travel flag with Enter and sees the two places, the speed, the IPs and the anomaly', async () => {
    const id = travel().flag_id;
    for (let i = 0; i < seeded.flags.length; i++) {
      if ((await page.locator('tr.qrow.selected').getAttribute('data-flag-id')) === id) break;
      await page.keyboard.press('j');
    }
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.hash === `#/flags/${id}`);
    const h1 = page.locator('h1.explanation');
    await expect.poll(() => h1.textContent()).toMatch(/^Frankfurt am Main, DE \d\d:\d\d then São Paulo, BR \d\d:\d\d: 9,[0-9]00 km in \d+ min = [\d,]+ km\/h$/);
    const figures = await page.locator('table.figures').textContent();
    expect(figures).toMatch(/Implied speed\s*[\d,]+ km\/h\s*plausible: at most 1,000 km\/h/);
    expect(await page.locator('svg.world-map .map-from').count()).toBe(1);
    expect(await page.locator('svg.world-map .map-to').count()).toBe(1);
    expect(await page.locator('svg.world-map .map-route').count()).toBe(1);
    const timeline = await page.locator('.timeline').textContent();
    expect(timeline).toContain('Last use in Frankfurt am Main, DE');
    expect(timeline).toContain('First use in São Paulo, BR');
    expect(timeline).toMatch(/min later/);
    const network = await page.locator('.col-main').textContent();
    for (const text of ['198.51.100.10', '200.1.2.3', 'AS3320', 'AS28573']) expect(network).toContain(text);
    expect(await page.locator('.hourly .bar.anomaly').count()).toBeGreaterThan(0);
    expect(await page.locator('.fp .copy').count()).toBeGreaterThan(0);
    // Who reported the evidence: the gateway's key id (never the key).
    expect(await page.locator('.reported-by').textContent()).toContain(configKeyId(sha256(KEYS.ingest)));
    expect(await page.locator('.disputes').count()).toBe(0);
    await shot(page, 'console-flag-desktop');
  });

  it('confirms it with a reason and sees its status change', async () => {
    const confirm = page.getByRole('button', { name: 'Confirm incident' });
    await confirm.click();
    await expect.poll(() => page.locator('.review .form-msg').textContent()).toMatch(/Write a reason/);
    await page.locator('#review-reason').fill('customer is in Frankfurt; São Paulo session is a stolen token');
    await page.locator('#review-actor').fill('ana');
    await confirm.click();
    await expect.poll(() => page.locator('.notice').textContent()).toBe('Flag confirmed.');
    expect(await page.locator('.flag-head [data-status]').getAttribute('data-status')).toBe('confirmed');
    const history = await page.locator('.history').textContent();
    expect(history).toContain('ana');
    expect(history).toContain('stolen token');
    expect(await page.getByRole('button', { name: 'Confirm incident' }).count()).toBe(0);

    // Back in the queue ("to review"), the flag is gone; under "Confirmed" it is there.
    await page.locator('a.back').click();
    // The queue first shows what it had, then what the API says now: wait for the latter.
    await expect.poll(() => page.locator('tr.qrow').count(), { timeout: 15_000 }).toBe(seeded.flags.length - 1);
    expect(await page.locator(`tr[data-flag-id="${travel().flag_id}"]`).count()).toBe(0);
    await page.locator('select[name=status]').selectOption('confirmed');
    await expect.poll(() => page.locator(`tr[data-flag-id="${travel().flag_id}"] [data-status]`).getAttribute('data-status')).toBe('confirmed');
    expect(page.url()).toContain('status=confirmed');
    await page.locator('select[name=status]').selectOption('review');
  });

  it('says so when nothing matches, and keeps filters, selection and scroll through live refreshes', async () => {
    await page.locator('input[name=user_id]').fill('nobody-at-all');
    await expect.poll(() => page.locator('.state-box.empty').textContent()).toMatch(/No open flags match these filters in the last 24 h\./);
    await page.locator('input[name=user_id]').fill('');
    await page.locator('select[name=detector]').selectOption('auth_failures');
    await expect.poll(() => page.locator('tr.qrow').count()).toBe(1);
    await page.locator('tr.qrow .row-link').focus();
    const selected = await page.locator('tr.qrow.selected').getAttribute('data-flag-id');
    expect(selected).toBeTruthy();

    // A new stuffing burst from another address, detected while the analyst watches.
    const now = seeded.now;
    const burst = Array.from({ length: 60 }, (_, i) => ({
      token: `guess-live-${i % 12}`,
      ip: '45.9.8.99',
      ts: new Date(now - 9 * 60_000 + i * 1000).toISOString(),
      status: 401,
      path: '/login',
      app_id: 'shop',
    }));
    const post = (path: string, body: unknown, key: string) =>
      fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
    expect((await post('/v1/events', burst, KEYS.ingest)).status).toBe(202);
    await server.ctx.flusher.drained();
    const run = await post('/v1/detections/run', { from: new Date(now - 3_600_000).toISOString(), to: new Date(now).toISOString(), detectors: ['auth_failures'] }, KEYS.admin);
    const raised = ((await run.json()) as { flags: { subject: string }[] }).flags;
    expect(raised.map((f) => f.subject)).toContain('45.9.8.99');

    await expect.poll(() => page.locator('tr.qrow').count(), { timeout: 25_000, interval: 500 }).toBe(1 + raised.length);
    expect(await page.locator('tr.qrow.fresh').count()).toBe(raised.length);
    expect(await page.locator('tr.qrow.selected').getAttribute('data-flag-id')).toBe(selected);
    expect(await page.evaluate(() => document.activeElement?.closest('tr')?.getAttribute('data-flag-id'))).toBe(selected);
    expect(await page.locator('select[name=detector]').inputValue()).toBe('auth_failures');
    expect(await page.locator('.live').textContent()).toMatch(/\d new flags?/);
    await page.locator('select[name=detector]').selectOption('');
  }, 60_000);

  it('shows "warehouse unreachable: retrying" on a 503 and recovers by itself', async () => {
    const flagList = (url: URL) => url.pathname === '/v1/flags';
    await page.route(flagList, (route) =>
      route.fulfill({ status: 503, contentType: 'application/json', headers: { 'retry-after': '5' }, body: JSON.stringify({ error: { code: 'warehouse_unavailable', message: 'the warehouse is unreachable', details: [] } }) }),
    );
    await page.reload();
    await expect.poll(() => page.locator('.state-box.error').textContent()).toMatch(/Warehouse unreachable: retrying/);
    await page.unroute(flagList);
    await expect.poll(() => page.locator('tr.qrow').count(), { timeout: 25_000, interval: 500 }).toBeGreaterThan(0);
    expect(await page.locator('.live').textContent()).toMatch(/Live · updated/);
  }, 60_000);

  it('looks a token up by its raw value without the token ever reaching a URL, storage or the logs', async () => {
    await page.locator('nav a[data-nav=lookup]').click();
    await page.locator('#lookup-raw').fill(seeded.tokens.refreshOld);
    await page.locator('#lookup-raw').press('Enter');
    const fp = fingerprint(server.ctx.secrets.pepper, seeded.tokens.refreshOld);
    await page.waitForURL((u) => u.hash === `#/tokens/${fp}`);
    await page.locator(`article.token[data-fingerprint="${fp}"]`).waitFor();
    expect(await page.locator('.token-head').textContent()).toContain(fp);
    // Its refresh family: the rotated token and the one that replaced it.
    const family = page.locator('section[aria-label="Refresh family"] tbody tr');
    expect(await family.count()).toBe(2);
    expect(await page.locator('section[aria-label="Refresh family"]').textContent()).toContain('rotated');
    expect(await page.locator('section[aria-label^="Flags"]').textContent()).toContain('Refresh token reuse');

    const lookups = requests.filter((r) => r.url.endsWith('/v1/tokens/lookup'));
    expect(lookups).toHaveLength(1);
    expect(lookups[0]!.method).toBe('POST');
    expect(lookups[0]!.body).toContain(seeded.tokens.refreshOld); // the interception sees bodies: the URL check below means something
    const storage = await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }));
    expect(storage).not.toContain(seeded.tokens.refreshOld);
    expect(await page.locator('#lookup-raw').count()).toBe(0);
    expect(page.url()).not.toContain(seeded.tokens.refreshOld);

    // A fingerprint works too, and an unknown raw token says so.
    await page.goto(`${base}/#/lookup`);
    await page.locator('#lookup-raw').fill('never-seen-token-value');
    await page.locator('#lookup-raw').press('Enter');
    await expect.poll(() => page.locator('.lookup-result').textContent()).toMatch(/has never seen this token/);
    expect(await page.locator('#lookup-raw').inputValue()).toBe('');
    await page.locator('#lookup-fp').fill(fingerprint(server.ctx.secrets.pepper, seeded.tokens.traveller));
    await page.locator('#lookup-fp').press('Enter');
    await page.locator('article.token').waitFor();
    expect(await page.locator('section[aria-label^="Flags"]').textContent()).toContain('Impossible travel');
    await shot(page, 'console-token-desktop');
  });
});

describe('an analyst with a read key', () => {
  it('sees no confirm or dismiss buttons, and the API refuses a forced confirm with 403', async () => {
    const page = await newPage();
    await signIn(page, KEYS.read);
    await page.locator('tr.qrow').first().waitFor();
    expect(await page.locator('[data-role]').textContent()).toBe('read-only key');
    const spike = flagOf('rate_spike');
    await page.goto(`${base}/#/flags/${spike.flag_id}`);
    await page.locator('.readonly-note').waitFor();
    expect(await page.getByRole('button', { name: 'Confirm incident' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Dismiss as benign' }).count()).toBe(0);
    const status = await page.evaluate(async (id) => {
      const key = sessionStorage.getItem('tokenwatch.key');
      const res = await fetch(`/v1/flags/${id}/confirm`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'forced' }) });
      return res.status;
    }, spike.flag_id);
    expect(status).toBe(403);
    const after = (await (await fetch(`${base}/v1/flags/${spike.flag_id}`, { headers: { authorization: `Bearer ${KEYS.read}` } })).json()) as { status: string };
    expect(after.status).toBe('open');
  });
});

describe('a refused key', () => {
  it('keeps the prompt with a message; a key refused mid-session sends the user back to it', async () => {
    const page = await newPage();
    await signIn(page, 'wrong-key-0123456789abcdef');
    await expect.poll(() => page.locator('.login-message').textContent()).toMatch(/not accepted/);
    expect(await page.locator('#api-key').isVisible()).toBe(true);
    expect(await page.evaluate(() => sessionStorage.getItem('tokenwatch.key'))).toBeNull();

    await signIn(page, KEYS.ingest);
    await expect.poll(() => page.locator('.login-message').textContent()).toMatch(/ingest key/);

    await signIn(page, KEYS.read);
    await page.locator('tr.qrow').first().waitFor();
    // The key stops working (rotated by an administrator): the next call is a 401.
    await page.evaluate(() => sessionStorage.setItem('tokenwatch.key', 'rotated-away-0123456789'));
    await page.reload();
    await expect.poll(() => page.locator('.login-message').textContent()).toMatch(/session ended.*401/);
    expect(await page.evaluate(() => sessionStorage.getItem('tokenwatch.key'))).toBeNull();
    expect(await page.locator('nav.nav').isVisible()).toBe(false);
  });
});

describe('on a 390-px phone', () => {
  it('renders the queue and a flag without horizontal scrolling', async () => {
    const page = await newPage(PHONE);
    await signIn(page, KEYS.admin);
    await page.locator('tr.qrow').first().waitFor();
    expect(await hasHorizontalScroll(page)).toBe(false);
    await shot(page, 'console-queue-phone');
    await page.locator('tr.qrow').first().locator('.row-link').click();
    await page.locator('.flag-grid').waitFor();
    await page.goto(`${base}/#/flags/${flagOf('impossible_travel', seeded.tokens.traveller).flag_id}`);
    await page.locator('svg.world-map').waitFor();
    expect(await hasHorizontalScroll(page)).toBe(false);
    await shot(page, 'console-flag-phone');
  });

  it('shows both places when a reported place contradicts the lookup', async () => {
    const base0 = flagOf('impossible_travel', seeded.tokens.traveller);
    const id = 'd'.repeat(32);
    const dispute = {
      reported_by: 'cfg-0123456789ab',
      ip: '46.114.1.1',
      reported: { country: 'AU', city: 'Sydney', lat: -33.87, lon: 151.21, asn: 0 },
      lookup: { country: 'DE', city: 'Frankfurt am Main', lat: 50.11, lon: 8.68, asn: 6805 },
      events: 2,
    };
    await server.ctx.runner.store.insert([
      {
        id,
        detector: 'impossible_travel',
        status: 'open',
        finding: {
          subject_type: 'token',
          subject: base0.subject,
          token_fingerprint: base0.subject,
          window_start: new Date(Date.now() - 300_000),
          window_end: new Date(),
          severity: 'high',
          score: 9,
          explanation: 'Paris 10:00 then Sydney 10:01',
          evidence: { reported_by: ['cfg-0123456789ab'], place_disputes: [dispute] },
        },
      },
    ]);
    const page = await newPage(PHONE);
    await signIn(page, KEYS.admin);
    await page.goto(`${base}/#/flags/${id}`);
    const disputes = page.locator('.disputes');
    await disputes.waitFor();
    const text = await disputes.textContent();
    for (const s of ['46.114.1.1', 'Sydney, AU', 'Frankfurt am Main, DE (AS6805)', 'cfg-0123456789ab']) expect(text).toContain(s);
    expect(await hasHorizontalScroll(page)).toBe(false);
  });
});

describe('throughout', () => {
  it('no request left 127.0.0.1, no raw token reached a URL or a log, no script error or CSP violation', () => {
    expect(requests.length).toBeGreaterThan(20);
    expect(offHost).toEqual([]);
    for (const r of requests) expect(new URL(r.url).host).toBe(new URL(base).host);
    const raw = Object.values(seeded.tokens);
    for (const r of requests) for (const token of raw) expect(r.url).not.toContain(token);
    for (const token of raw) expect(logs.text).not.toContain(token);
    for (const key of Object.values(KEYS)) for (const r of requests) expect(r.url).not.toContain(key);
    expect(pageErrors).toEqual([]);
    expect(cspViolations).toEqual([]);
  });
});
