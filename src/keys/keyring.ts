/**
 * API keys by role. Keys are kept and compared as SHA-256 hashes in constant time;
 * a presented key is checked against every stored hash so timing says nothing about
 * which one matched. Sources: the config file, TOKENWATCH_API_KEYS, and keys created
 * with `tokenwatch keys create` (hashes in `<data>/secrets/api-keys.json`).
 */
import { parseJson } from '../json.js';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ROLES, type Config, type Role } from '../config.js';
import { secretsDir, writeSecretFile } from './secrets.js';

const storedKey = z.object({
  id: z.string(),
  role: z.enum(ROLES),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  created_at: z.string(),
  name: z.string().optional(),
});
const keyFile = z.array(storedKey);
type StoredKey = z.infer<typeof storedKey>;

/** Re-read the key file at most this often, so keys created by the CLI work without a restart. */
const RELOAD_CHECK_MS = 1000;

export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** The raw keys written at first start (until the user deletes it); a path only, nothing is created. */
export function initialKeysPath(dataDir: string): string {
  return join(dataDir, 'secrets', 'initial-api-keys.txt');
}

/** A role's key in the initial keys file, if that file is still there. */
export function initialKey(dataDir: string, role: Role): string | undefined {
  try {
    const line = readFileSync(initialKeysPath(dataDir), 'utf8').split('\n').find((l) => l.startsWith(`${role}:`));
    return line?.slice(role.length + 1).trim() || undefined;
  } catch {
    return undefined;
  }
}

export function keyFilePath(dataDir: string): string {
  return join(secretsDir(dataDir), 'api-keys.json');
}

function readKeyFile(path: string): StoredKey[] {
  try {
    return keyFile.parse(parseJson(readFileSync(path, 'utf8')));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`${path}: ${(error as Error).message}`);
  }
}

export function generateKey(role: Role): string {
  return `tw_${role}_${randomBytes(24).toString('base64url')}`;
}

/** Creates a key for a role, stores its hash, and returns the key (shown once). */
export function createKey(dataDir: string, role: Role, name?: string): { key: string; id: string } {
  const path = keyFilePath(dataDir);
  const keys = readKeyFile(path);
  const key = generateKey(role);
  const id = randomBytes(6).toString('hex');
  keys.push({ id, role, sha256: sha256(key).toString('hex'), created_at: new Date().toISOString(), name });
  writeSecretFile(path, JSON.stringify(keys, null, 2) + '\n', true);
  return { key, id };
}

/**
 * A stored key as the server knows it. `id` names the key in audit rows and evidence: the
 * id `keys create` gave it, or for keys from the config file or TOKENWATCH_API_KEYS
 * `cfg-` and the first 12 hex digits of the key's SHA-256 (stable across restarts, and
 * no use to anyone without the key).
 */
export interface KeyEntry {
  id: string;
  role: Role;
  hash: Buffer;
}

export function configKeyId(hash: Buffer): string {
  return `cfg-${hash.toString('hex').slice(0, 12)}`;
}

export class KeyRing {
  private entries: KeyEntry[] = [];
  private fileMtime = -1;
  private lastCheck = 0;
  private readonly path: string;

  constructor(private readonly config: Config) {
    this.path = keyFilePath(config.dataDir);
    this.reload();
  }

  get size(): number {
    return this.entries.length;
  }

  private reload(): void {
    const fromConfig = this.config.api_keys.map((k) => {
      const hash = k.key !== undefined ? sha256(k.key) : Buffer.from(k.key_sha256!, 'hex');
      return { id: configKeyId(hash), role: k.role, hash };
    });
    const fromFile = readKeyFile(this.path).map((k) => ({ id: k.id, role: k.role, hash: Buffer.from(k.sha256, 'hex') }));
    this.entries = [...fromConfig, ...fromFile];
  }

  private reloadIfChanged(): void {
    const now = Date.now();
    if (now - this.lastCheck < RELOAD_CHECK_MS) return;
    this.lastCheck = now;
    let mtime = 0;
    try {
      mtime = statSync(this.path).mtimeMs;
    } catch {
      mtime = 0;
    }
    if (mtime !== this.fileMtime) {
      this.fileMtime = mtime;
      this.reload();
    }
  }

  /** The stored key matching a presented key (its id and role), or undefined. */
  lookup(presented: string): { id: string; role: Role } | undefined {
    this.reloadIfChanged();
    const hash = sha256(presented);
    let found: KeyEntry | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.hash, hash) && found === undefined) found = entry;
    }
    return found && { id: found.id, role: found.role };
  }

  /** The role of a presented key, or undefined. */
  roleOf(presented: string): Role | undefined {
    return this.lookup(presented)?.role;
  }
}

/**
 * First start with no key anywhere: one key per role, raw keys written once to a 0600
 * file in the data directory so the operator can pick them up. Returns that file.
 */
export function ensureInitialKeys(config: Config): string | undefined {
  const path = keyFilePath(config.dataDir);
  if (config.api_keys.length > 0 || readKeyFile(path).length > 0) return undefined;
  const lines = ROLES.map((role) => `${role}:${createKey(config.dataDir, role, `initial ${role} key`).key}`);
  secretsDir(config.dataDir);
  const initial = initialKeysPath(config.dataDir);
  writeSecretFile(
    initial,
    `# tokenwatch API keys created at first start (${new Date().toISOString()}).\n` +
      `# Only their hashes are used by the server; delete this file once the keys are stored elsewhere.\n` +
      `${lines.join('\n')}\n`,
    true,
  );
  return initial;
}
