/**
 * The review console: a few static files (plain ES modules and CSS, no build step) served
 * from memory at `/` and `/console/*`, with a strict Content-Security-Policy. The files
 * live in src/console/static/ and are found from this module whether it runs under tsx
 * (src/console/) or compiled (dist/console/).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { App } from '../http/app-type.js';
import { HttpError } from '../http/errors.js';
import { consoleApiRoutes } from './api.js';

/** Same origin only, no inline script or style, no framing, no plugins; the map is inline SVG built by script. */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

/** src/console/static, looked for beside this module first, then from the repository root (when running from dist/). */
export function findStaticDir(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'static'), join(here, '..', '..', 'src', 'console', 'static')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html')));
}

function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const type = CONTENT_TYPES[extname(name)];
    if (!type) continue;
    const body = readFileSync(join(dir, name));
    assets.set(name, { body, type, etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"` });
  }
  return assets;
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset) {
  reply
    .header('content-security-policy', CONSOLE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header('cache-control', 'no-cache')
    .header('etag', asset.etag)
    .type(asset.type);
  if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  return reply.send(asset.body);
}

export async function consoleRoutes(app: App, ctx: { logger: Pick<Logger, 'error'> }): Promise<void> {
  await consoleApiRoutes(app);

  const dir = findStaticDir();
  const assets = dir ? loadAssets(dir) : new Map<string, Asset>();
  if (!dir) ctx.logger.error('console assets not found (src/console/static): the web console is unavailable, the API is not affected');
  const hide = { hide: true };

  app.get('/', { schema: hide }, async (request, reply) => {
    const index = assets.get('index.html');
    if (!index) throw new HttpError(503, 'console_unavailable', 'the console files are missing from this installation (src/console/static)');
    return send(request, reply, index);
  });

  app.get('/console/:file', { schema: { ...hide, params: z.object({ file: z.string() }) } }, async (request, reply) => {
    const { file } = request.params;
    const asset = file === 'index.html' ? undefined : assets.get(file);
    if (!asset) throw new HttpError(404, 'not_found', `no console file ${file}`);
    return send(request, reply, asset);
  });
}
