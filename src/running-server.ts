/**
 * `<data dir>/server.json`: which process serves this data directory and where. The server
 * writes it once it listens and removes it when it stops; CLI commands read it to talk to
 * that server over its API instead of opening a warehouse the server holds (the embedded
 * engine locks its directory).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const serverFile = z.object({ pid: z.number().int().positive(), url: z.string(), started_at: z.string() });
export type RunningServer = z.infer<typeof serverFile>;

export function serverFilePath(dataDir: string): string {
  return join(dataDir, 'server.json');
}

export function writeServerFile(dataDir: string, url: string): void {
  const entry: RunningServer = { pid: process.pid, url, started_at: new Date().toISOString() };
  writeFileSync(serverFilePath(dataDir), JSON.stringify(entry) + '\n');
}

/** Removes the file if it is this process's (a newer server may have replaced it). */
export function removeServerFile(dataDir: string): void {
  const running = readServerFile(dataDir);
  if (running?.pid === process.pid) rmSync(serverFilePath(dataDir), { force: true });
}

function readServerFile(dataDir: string): RunningServer | undefined {
  try {
    const parsed = serverFile.safeParse(JSON.parse(readFileSync(serverFilePath(dataDir), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The server serving this data directory now, if any (a file left by a crashed process does not count). */
export function runningServer(dataDir: string): RunningServer | undefined {
  const entry = readServerFile(dataDir);
  return entry && alive(entry.pid) ? entry : undefined;
}

/**
 * The process holding the embedded warehouse of this data directory, from the engine's own
 * `status` file ("PID: 1234"), if that process is alive: a second opener would fail on the
 * engine's lock, so the CLI says who holds it instead.
 */
export function warehouseHolder(dataDir: string): number | undefined {
  try {
    const pid = Number(/^PID:\s*(\d+)/m.exec(readFileSync(join(dataDir, 'warehouse', 'status'), 'utf8'))?.[1]);
    return Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && alive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}
