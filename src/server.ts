/**
 * listen() and graceful shutdown: on SIGTERM or SIGINT stop taking requests, flush the
 * spool into the warehouse, close the warehouse. A second signal exits at once; the
 * spool replays at the next start, so nothing acknowledged is lost either way.
 */
import { createServer } from 'node:net';
import { buildApp } from './app.js';
import type { App } from './http/app-type.js';
import type { Config } from './config.js';
import { openContext, type Context, type ContextOptions } from './context.js';
import { removeServerFile, writeServerFile } from './running-server.js';

/** The configured port is taken: the CLI says so in one line (no stack, no secrets written). */
export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(`port ${port} is in use; set TOKENWATCH_PORT`);
    this.name = 'PortInUseError';
  }
}

/**
 * Fails with PortInUseError if host:port cannot be bound, before anything is written to
 * the data directory (secrets, keys), so a start that cannot serve leaves nothing behind.
 */
async function checkPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? new PortInUseError(port) : error));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

export interface Server {
  app: App;
  ctx: Context;
  url: string;
  close(): Promise<void>;
}

export async function startServer(config: Config, options: ContextOptions & { schedule?: boolean } = {}): Promise<Server> {
  await checkPortFree(config.server.host, config.server.port);
  const ctx = await openContext(config, options);
  let app: App;
  try {
    app = await buildApp(ctx);
    await app.listen({ host: config.server.host, port: config.server.port });
    if (config.scheduler.enabled && options.schedule !== false) ctx.scheduler.start();
  } catch (error) {
    await ctx.close();
    throw (error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? new PortInUseError(config.server.port) : error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  const url = `http://${host}:${port}`;
  writeServerFile(config.dataDir, url);
  let closing: Promise<void> | undefined;
  return {
    app,
    ctx,
    url,
    close() {
      closing ??= (async () => {
        removeServerFile(config.dataDir);
        await app.close();
        await ctx.close();
      })();
      return closing;
    },
  };
}

/** Installs SIGTERM/SIGINT handlers that close the server and exit. */
export function handleSignals(server: Server): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      server.ctx.logger.warn({ signal }, 'second signal: exiting now; the spool replays at the next start');
      process.exit(1);
    }
    stopping = true;
    server.ctx.logger.info({ signal }, 'shutting down: flushing the spool and closing the warehouse');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.ctx.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
