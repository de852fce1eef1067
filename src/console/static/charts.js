/**
 * The pictures: a small world map (inline SVG, equirectangular, land outlines shipped in
 * world.js: no tiles, no network), a vertical timeline, and requests per hour as bars.
 */
import { LAND_PATH } from './world.js';
import { h, hhmm, num, s, utc, duration } from './dom.js';

const project = (lon, lat) => [lon + 180, 90 - lat];
let mapSeq = 0;

/**
 * points: [{lat, lon, mark ('A', 'B' …, optional), kind ('from' | 'to' | 'flagged' | 'context'), title, weight}]
 * arrows: [[pointA, pointB]] drawn as a curve with an arrowhead.
 */
export function worldMap(points, { arrows = [], label = 'Map of the places involved' } = {}) {
  const located = points.filter((p) => Number.isFinite(p.lat) && Number.isFinite(p.lon));
  // Frame the places with a margin, keeping a 2:1 box inside the world (Antarctica cut off).
  let [x0, y0, x1, y1] = [0, 6, 360, 150];
  if (located.length > 0) {
    const xs = located.map((p) => project(p.lon, p.lat)[0]);
    const ys = located.map((p) => project(p.lon, p.lat)[1]);
    const cx = (Math.min(...xs) + Math.max(...xs)) / 2;
    const cy = (Math.min(...ys) + Math.max(...ys)) / 2;
    let w = Math.max(100, (Math.max(...xs) - Math.min(...xs)) * 1.35 + 30, ((Math.max(...ys) - Math.min(...ys)) * 1.35 + 30) * 2);
    w = Math.min(w, 360);
    const hgt = Math.min(w / 2, 144);
    x0 = Math.min(Math.max(cx - w / 2, 0), 360 - w);
    y0 = Math.min(Math.max(cy - hgt / 2, 6), 150 - hgt);
    x1 = x0 + w;
    y1 = y0 + hgt;
  }
  const w = x1 - x0;
  const r = Math.max(1.6, w / 48);
  const id = `arrow-${++mapSeq}`;

  const graticule = [];
  for (let lon = -150; lon <= 150; lon += 30) graticule.push(s('line', { x1: lon + 180, y1: 0, x2: lon + 180, y2: 180 }));
  for (let lat = -60; lat <= 60; lat += 30) graticule.push(s('line', { x1: 0, y1: 90 - lat, x2: 360, y2: 90 - lat }));

  const curves = arrows.map(([a, b]) => {
    const [ax, ay] = project(a.lon, a.lat);
    const [bx, by] = project(b.lon, b.lat);
    const mx = (ax + bx) / 2;
    const my = (ay + by) / 2 - Math.hypot(bx - ax, by - ay) * 0.18;
    // Stop short of the target dot so the arrowhead stays visible.
    const len = Math.hypot(bx - mx, by - my) || 1;
    const ex = bx - ((bx - mx) / len) * r * 1.6;
    const ey = by - ((by - my) / len) * r * 1.6;
    return s('path', { class: 'map-route', d: `M${ax} ${ay}Q${mx} ${my} ${ex} ${ey}`, 'marker-end': `url(#${id})`, 'stroke-width': w / 300 });
  });

  const dots = located
    .slice()
    .sort((a, b) => (a.kind === 'context' ? -1 : 0) - (b.kind === 'context' ? -1 : 0))
    .map((p) => {
      const [x, y] = project(p.lon, p.lat);
      const radius = p.kind === 'context' ? Math.max(r * 0.45, r * Math.min(1, 0.35 + Math.log10(1 + (p.weight ?? 1)) / 4)) : r;
      return s(
        'g',
        { class: `map-dot map-${p.kind ?? 'context'}` },
        s('title', {}, p.title ?? ''),
        s('circle', { cx: x, cy: y, r: radius, 'stroke-width': r / 4 }),
        p.mark ? s('text', { x, y, 'font-size': r * 1.25, 'text-anchor': 'middle', 'dominant-baseline': 'central' }, p.mark) : null,
      );
    });

  return s(
    'svg',
    { class: 'world-map', viewBox: `${x0} ${y0} ${w} ${y1 - y0}`, role: 'img', 'aria-label': label, preserveAspectRatio: 'xMidYMid meet' },
    s('defs', {}, s('marker', { id, viewBox: '0 0 10 10', refX: 6, refY: 5, markerWidth: 5, markerHeight: 5, orient: 'auto-start-reverse' }, s('path', { d: 'M0 0L10 5L0 10z', class: 'map-arrowhead' }))),
    s('rect', { class: 'map-sea', x: 0, y: 0, width: 360, height: 180 }),
    s('g', { class: 'map-graticule', 'stroke-width': w / 900 }, graticule),
    s('path', { class: 'map-land', d: LAND_PATH, 'stroke-width': w / 1200 }),
    curves,
    dots,
  );
}

/**
 * A vertical timeline: items [{time (ISO), title, detail, kind}] sorted by time, with the
 * gap between consecutive items ("13 min later").
 */
export function timeline(items) {
  const sorted = items.filter((i) => i.time).sort((a, b) => new Date(a.time) - new Date(b.time));
  if (sorted.length === 0) return null;
  const sameDay = sorted.every((i) => utc(i.time).slice(0, 10) === utc(sorted[0].time).slice(0, 10));
  return h(
    'ol',
    { class: 'timeline' },
    sorted.map((item, i) => {
      const gapMin = i > 0 ? (new Date(item.time) - new Date(sorted[i - 1].time)) / 60_000 : null;
      return h(
        'li',
        { class: `tl-item tl-${item.kind ?? 'info'}` },
        gapMin !== null ? h('span', { class: 'tl-gap' }, gapMin < 1 ? 'under a minute later' : `${duration(gapMin)} later`) : null,
        h('span', { class: 'tl-time', title: utc(item.time, { seconds: true }) }, item.mark ? h('span', { class: `tl-mark mark-${item.kind}` }, item.mark) : null, sameDay ? `${hhmm(item.time)} UTC` : utc(item.time)),
        h('span', { class: 'tl-body' }, h('strong', {}, item.title), item.detail ? h('span', { class: 'tl-detail' }, item.detail) : null),
      );
    }),
  );
}

/**
 * Requests per hour for the last 24 h as bars (errors darker inside each bar); hours that
 * overlap the flag's window are marked as the anomaly. HTML, so labels stay readable at any width.
 */
export function hourlyChart(points, { windowStart, windowEnd, caption = 'Requests per hour, last 24 h (UTC)' } = {}) {
  const max = Math.max(1, ...points.map((p) => p.requests));
  const ws = windowStart ? new Date(windowStart).getTime() : null;
  const we = windowEnd ? new Date(windowEnd).getTime() : null;
  let marked = 0;
  const cols = points.map((p, i) => {
    const start = new Date(p.hour).getTime();
    const anomaly = ws !== null && we !== null && start < we && start + 3_600_000 > ws;
    if (anomaly) marked++;
    const bar = h('div', { class: ['bar', anomaly && 'anomaly'] });
    bar.style.height = `${p.requests === 0 ? 0 : Math.max(2, (p.requests / max) * 100)}%`;
    const err = h('div', { class: 'bar-err' });
    err.style.height = p.requests ? `${(p.errors / p.requests) * 100}%` : '0';
    bar.append(err);
    const tip = `${hhmm(p.hour)}–${hhmm(new Date(start + 3_600_000).toISOString())} UTC: ${num(p.requests)} requests, ${num(p.errors)} errors${anomaly ? ' — flagged window' : ''}`;
    return h(
      'div',
      { class: ['bar-col', anomaly && 'anomaly'], title: tip },
      anomaly ? h('span', { class: 'bar-flag', 'aria-hidden': 'true' }, '▼') : null,
      bar,
      h('span', { class: 'bar-x', 'aria-hidden': 'true' }, i % 6 === 0 ? hhmm(p.hour) : ''),
    );
  });
  const total = points.reduce((a, p) => a + p.requests, 0);
  return h(
    'figure',
    { class: 'hourly' },
    h('div', { class: 'hourly-plot', role: 'img', 'aria-label': `${caption}: ${num(total)} requests in total, peak ${num(max)} in one hour${marked ? '; the flagged window is marked' : ''}` },
      h('span', { class: 'y-max' }, `${num(max)}/h`),
      h('div', { class: 'bars' }, cols),
    ),
    h(
      'figcaption',
      {},
      caption,
      h('span', { class: 'legend' },
        h('span', { class: 'key key-req' }), 'requests ',
        h('span', { class: 'key key-err' }), 'errors ',
        ws !== null ? [h('span', { class: 'key key-anomaly' }), marked ? 'flagged window' : 'flagged window is outside these 24 h'] : null,
      ),
    ),
  );
}
