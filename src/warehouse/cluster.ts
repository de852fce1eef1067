/**
 * Cluster mode (`clickhouse.cluster: NAME`): one SQL dialect and one set of migration
 * files, each statement rewritten here for a sharded, replicated cluster.
 *
 * - `CREATE TABLE X (…) ENGINE = <Kind>MergeTree[(args)] …` becomes
 *   `CREATE TABLE X_local ON CLUSTER c (…) ENGINE = Replicated<Kind>MergeTree[(args)] …`
 *   (no path arguments: the server's default_replica_path / default_replica_name), then
 *   `CREATE TABLE X ON CLUSTER c AS X_local ENGINE = Distributed(c, currentDatabase(), X_local, key)`
 *   with the key from SHARDING_KEYS. `non_replicated_deduplication_window` is dropped:
 *   replicated tables deduplicate inserted blocks by default.
 * - `CREATE MATERIALIZED VIEW mv TO T AS SELECT … FROM S …` becomes
 *   `… mv ON CLUSTER c TO T_local AS SELECT … FROM S_local …`: on each shard the view
 *   reads that shard's local inserts and writes its local rollup. Only names of tables
 *   the migrations create, and only in FROM / JOIN / TO positions, get the suffix.
 * - `CREATE VIEW v AS …` becomes `CREATE VIEW v ON CLUSTER c AS …`, reading the
 *   Distributed tables (names unchanged).
 * - `INSERT INTO T (…) SELECT …` (a migration moving rows between its tables) runs as it
 *   is through the Distributed tables, with clusterInsertSettings() so the rows are on
 *   their shards before the next statement.
 * - `ALTER TABLE T ADD INDEX IF NOT EXISTS …` and `ALTER TABLE T MATERIALIZE INDEX i`
 *   alter the local tables on every node (`T_local ON CLUSTER c`): the data and its
 *   skip indexes live there.
 * - `ALTER TABLE T ADD COLUMN IF NOT EXISTS c …` (one column) adds the column to the local
 *   tables on every node, then to the Distributed table in front of them, which must
 *   name it too for inserts and reads to carry it. Other ALTERs are refused.
 * - `DROP VIEW IF EXISTS v` gets `ON CLUSTER c`; `DROP TABLE IF EXISTS T` of a table the
 *   migrations create drops the Distributed table and then its local tables on every
 *   node (`SYNC`). Without IF EXISTS a drop is refused: a migration must be safe to rerun.
 *
 * The app keeps reading and inserting by the unsuffixed (Distributed) names; inserts
 * must use clusterInsertSettings() so an acknowledged insert is on its shard.
 *
 * Anything else throws: a future migration can never be applied unreplicated by accident.
 */

/** Suffix of the shard-local replicated table behind each Distributed table. */
export const LOCAL_SUFFIX = '_local';

export interface ShardingKey {
  /** An integer expression over the table's columns (the Distributed engine's sharding key). */
  key: string;
  reason: string;
}

const BY_TOKEN = 'cityHash64(token_fingerprint)';
const BY_APP = 'cityHash64(app_id)';

/**
 * How each table is spread over shards, with the reason. Deterministic keys matter twice:
 * a replayed insert (same insert_deduplication_token) must reach the same shard to be
 * deduplicated, and every version of a ReplacingMergeTree row must sit on one shard for
 * FINAL / merges to collapse them. Rollups are filled by the per-shard materialized views
 * on the shard of their source rows; their key only routes direct inserts through the
 * Distributed table (tokenwatch makes none), and reads merge partial states across shards.
 */
export const SHARDING_KEYS: Readonly<Record<string, ShardingKey>> = {
  schema_migrations: { key: 'version', reason: 'one row per version on one shard, so FINAL collapses re-recorded versions' },
  usage_events: {
    key: BY_TOKEN,
    reason: "a token's raw rows and the rollups its MVs write live on one shard; deterministic so spool replays deduplicate",
  },
  token_events: { key: BY_TOKEN, reason: "a token's lifecycle events sit with its usage, so its registry row is built on one shard" },
  tokens_v1: { key: BY_TOKEN, reason: 'the token registry until 009 (010 drops it), filled on the shard of the token' },
  tokens_v2: { key: BY_TOKEN, reason: 'the token registry, filled on the shard of the token (usage_events, token_events)' },
  usage_token_1m_v1: { key: BY_TOKEN, reason: 'per-token rollup, filled on the shard of the token' },
  usage_token_1d_v1: { key: BY_TOKEN, reason: 'per-token rollup of the minute rollup, on the same shard' },
  usage_token_breakdown_1d_v1: { key: BY_TOKEN, reason: "per-token daily breakdowns (token detail), filled on the shard of the token's raw rows" },
  usage_token_place_1h_v1: { key: BY_TOKEN, reason: 'per-token places rollup (location detectors), filled on the shard of the token' },
  usage_principal_place_1h_v1: {
    key: 'cityHash64(principal)',
    reason: 'per-user (or client) places rollup (filled per shard from usage_events; reads merge across shards)',
  },
  app_events: { key: BY_APP, reason: "an app's lifecycle events on one shard" },
  apps_v1: { key: BY_APP, reason: 'app tables by app_id (rows from usage and token events are merged across shards at read time)' },
  usage_app_1m_v1: { key: BY_APP, reason: 'app tables by app_id (filled per shard from usage_events; reads merge across shards)' },
  usage_user_1m_v1: { key: 'cityHash64(user_id)', reason: 'per-user rollup (filled per shard from usage_events; reads merge across shards)' },
  usage_dim_1h_v1: { key: BY_APP, reason: 'per-app dimension rollup (filled per shard from usage_events; reads merge across shards)' },
  flags: { key: 'cityHash64(flag_id)', reason: 'every version of a flag on one shard, so ReplacingMergeTree and FINAL collapse them' },
  flag_history: { key: 'cityHash64(flag_id)', reason: "a flag's history next to the flag" },
  suppressions: {
    key: 'cityHash64(detector, subject_type, subject)',
    reason: 'every version of a suppression (its ORDER BY key) on one shard, so ReplacingMergeTree and FINAL collapse them',
  },
  detector_runs: { key: 'cityHash64(run_id)', reason: 'append-only run log, spread evenly but deterministically' },
  revocations: { key: 'cityHash64(revocation_id)', reason: 'every version of a revocation on one shard (ReplacingMergeTree, FINAL)' },
  revocation_attempts: { key: 'cityHash64(revocation_id)', reason: "a revocation's attempts next to the revocation" },
  revocation_handles: { key: 'cityHash64(token_fingerprint)', reason: 'every version of a handle on one shard (ReplacingMergeTree), next to its token' },
  revocation_feed: { key: 'cityHash64(token_fingerprint)', reason: 'replays of one entry on one shard (ReplacingMergeTree); readers merge all shards in order' },
};

/** For a table without an entry: spread evenly (not deterministic: no replay deduplication). */
export const DEFAULT_SHARDING_KEY: ShardingKey = { key: 'rand()', reason: 'no entry in SHARDING_KEYS: spread evenly' };

export function shardingKey(table: string): ShardingKey {
  return Object.hasOwn(SHARDING_KEYS, table) ? SHARDING_KEYS[table]! : DEFAULT_SHARDING_KEY;
}

/** MergeTree settings that make no sense on a replicated engine. */
export const DROPPED_SETTINGS: readonly string[] = ['non_replicated_deduplication_window'];

/** MergeTree engines that have a Replicated variant taking the same arguments. */
const MERGE_TREE_KINDS = ['', 'Replacing', 'Aggregating', 'Summing', 'Collapsing', 'VersionedCollapsing', 'Graphite', 'Coalescing'];

/**
 * Settings for every insert through a Distributed table: the insert returns once the rows
 * are written on their shards (not queued on the receiving node), so an acknowledged spool
 * segment is really in the warehouse and a replay deduplicates on the shard.
 */
export function clusterInsertSettings() {
  return { distributed_foreground_insert: 1 } as const;
}

/** clusterInsertSettings() as the list after an INSERT's SETTINGS keyword. */
export function clusterInsertSettingsSql(): string {
  return Object.entries(clusterInsertSettings())
    .map(([k, v]) => `${k} = ${v}`)
    .join(', ');
}

export function localName(table: string): string {
  return `${table}${LOCAL_SUFFIX}`;
}

const CLUSTER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** The cluster name as an SQL identifier (back-quoted if it has `.` or `-`). */
export function clusterIdentifier(cluster: string): string {
  if (!CLUSTER_NAME.test(cluster)) throw new ClusterRewriteError(`invalid cluster name ${JSON.stringify(cluster)}`);
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(cluster) ? cluster : `\`${cluster}\``;
}

export class ClusterRewriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClusterRewriteError';
  }
}

// ---------------------------------------------------------------------------------------
// A small lexer: enough of ClickHouse's syntax to never mistake a string, a quoted name or
// a comment for a keyword.

type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'punct';
interface Token {
  kind: TokenKind;
  text: string;
  start: number;
  end: number;
}

function lex(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = sql.length;
  const closeQuoted = (quote: string, from: number): number => {
    let j = from + 1;
    while (j < n) {
      const c = sql[j];
      if (c === '\\') j += 2;
      else if (c === quote && sql[j + 1] === quote) j += 2;
      else if (c === quote) return j + 1;
      else j++;
    }
    throw new ClusterRewriteError(`unterminated ${quote} quote`);
  };
  while (i < n) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      if (close < 0) throw new ClusterRewriteError('unterminated comment');
      i = close + 2;
    } else if (c === "'") {
      const end = closeQuoted("'", i);
      tokens.push({ kind: 'string', text: sql.slice(i, end), start: i, end });
      i = end;
    } else if (c === '`' || c === '"') {
      const end = closeQuoted(c, i);
      tokens.push({ kind: 'quoted', text: sql.slice(i, end), start: i, end });
      i = end;
    } else if (/[A-Za-z_$]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_$]/.test(sql[j]!)) j++;
      tokens.push({ kind: 'word', text: sql.slice(i, j), start: i, end: j });
      i = j;
    } else if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_.]/.test(sql[j]!)) j++;
      tokens.push({ kind: 'number', text: sql.slice(i, j), start: i, end: j });
      i = j;
    } else {
      tokens.push({ kind: 'punct', text: c, start: i, end: i + 1 });
      i++;
    }
  }
  return tokens;
}

const isWord = (t: Token | undefined, word: string): boolean => t?.kind === 'word' && t.text.toUpperCase() === word;
const isPunct = (t: Token | undefined, p: string): boolean => t?.kind === 'punct' && t.text === p;
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Index of the token closing the bracket opened at `open`. */
function closing(tokens: Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'punct') continue;
    if ('([{'.includes(t.text)) depth++;
    else if (')]}'.includes(t.text) && --depth === 0) return i;
  }
  throw new ClusterRewriteError('unbalanced brackets');
}

/** Indexes of depth-0 tokens from `from` on (brackets skipped whole). */
function topLevel(tokens: Token[], from: number): number[] {
  const out: number[] = [];
  for (let i = from; i < tokens.length; i++) {
    out.push(i);
    const t = tokens[i]!;
    if (t.kind === 'punct' && '([{'.includes(t.text)) i = closing(tokens, i);
  }
  return out;
}

interface Edit {
  at: number;
  end?: number;
  text: string;
}

function applyEdits(sql: string, edits: Edit[]): string {
  let out = sql;
  for (const e of [...edits].sort((a, b) => b.at - a.at)) out = out.slice(0, e.at) + e.text + out.slice(e.end ?? e.at);
  return out;
}

/** The table name of `CREATE TABLE|VIEW|MATERIALIZED VIEW [IF NOT EXISTS] name` (or at `from` in other statements): its token index. */
function nameAfter(tokens: Token[], from: number): number {
  let i = from;
  if (isWord(tokens[i], 'IF') && isWord(tokens[i + 1], 'NOT') && isWord(tokens[i + 2], 'EXISTS')) i += 3;
  const name = tokens[i];
  if (name?.kind !== 'word' || !TABLE_NAME.test(name.text)) throw new ClusterRewriteError('expected an unquoted table name');
  if (isPunct(tokens[i + 1], '.')) throw new ClusterRewriteError('database-qualified names are not supported');
  return i;
}

// ---------------------------------------------------------------------------------------

/** Names of the tables (not views) the statements create, in order. */
export function createdTables(statements: Iterable<string>): Set<string> {
  const tables = new Set<string>();
  for (const statement of statements) {
    const tokens = lex(statement);
    if (!isWord(tokens[0], 'CREATE') || !isWord(tokens[1], 'TABLE')) continue;
    let i = 2;
    if (isWord(tokens[i], 'IF') && isWord(tokens[i + 1], 'NOT') && isWord(tokens[i + 2], 'EXISTS')) i += 3;
    const name = tokens[i];
    if (name?.kind === 'word' && !isPunct(tokens[i + 1], '.')) tables.add(name.text);
  }
  return tables;
}

function firstLine(statement: string): string {
  return statement.trim().split('\n')[0]!.trim();
}

/**
 * Rewrites one migration statement for the cluster: one or two statements out.
 * `tables` are the tables the migrations create (createdTables over all of them): only
 * those names are read shard-locally by materialized views.
 */
export function toCluster(statement: string, cluster: string, tables: ReadonlySet<string>): string[] {
  const on = ` ON CLUSTER ${clusterIdentifier(cluster)}`;
  try {
    const tokens = lex(statement);
    if (isWord(tokens[0], 'CREATE') && isWord(tokens[1], 'TABLE')) return rewriteTable(statement, tokens, cluster, on);
    if (isWord(tokens[0], 'CREATE') && isWord(tokens[1], 'MATERIALIZED') && isWord(tokens[2], 'VIEW')) {
      return [rewriteMaterializedView(statement, tokens, on, tables)];
    }
    let view = 1;
    if (isWord(tokens[1], 'OR') && isWord(tokens[2], 'REPLACE')) view = 3;
    if (isWord(tokens[0], 'CREATE') && isWord(tokens[view], 'VIEW')) return [rewriteView(statement, tokens, view + 1, on)];
    if (isWord(tokens[0], 'INSERT') && isWord(tokens[1], 'INTO')) return [rewriteInsertSelect(statement, tokens, tables)];
    if (isWord(tokens[0], 'DROP') && (isWord(tokens[1], 'TABLE') || isWord(tokens[1], 'VIEW'))) return rewriteDrop(tokens, on, tables);
    if (isWord(tokens[0], 'ALTER') && isWord(tokens[1], 'TABLE') && isWord(tokens[nameAfter(tokens, 2) + 2], 'COLUMN')) {
      return rewriteAddColumn(statement, tokens, on, tables);
    }
    if (isWord(tokens[0], 'ALTER') && isWord(tokens[1], 'TABLE')) return [rewriteAlterIndex(statement, tokens, on, tables)];
    throw new ClusterRewriteError(
      'only CREATE TABLE … ENGINE = *MergeTree, CREATE MATERIALIZED VIEW … TO, CREATE VIEW, INSERT INTO … SELECT, ALTER TABLE … ADD|MATERIALIZE INDEX, ALTER TABLE … ADD COLUMN IF NOT EXISTS and DROP TABLE|VIEW IF EXISTS are understood',
    );
  } catch (error) {
    if (error instanceof ClusterRewriteError) {
      throw new ClusterRewriteError(`cannot rewrite for cluster ${cluster}: ${error.message}: ${firstLine(statement)}`);
    }
    throw error;
  }
}

/** All statements, in order, for the cluster (the table set taken from the statements themselves). */
export function clusterStatements(statements: readonly string[], cluster: string, tables: ReadonlySet<string> = createdTables(statements)): string[] {
  return statements.flatMap((s) => toCluster(s, cluster, tables));
}

function rewriteTable(sql: string, tokens: Token[], cluster: string, on: string): string[] {
  const n = nameAfter(tokens, 2);
  const name = tokens[n]!.text;
  const open = n + 1;
  if (!isPunct(tokens[open], '(')) throw new ClusterRewriteError('expected a column list after the table name');
  const close = closing(tokens, open);
  if (!isWord(tokens[close + 1], 'ENGINE') || !isPunct(tokens[close + 2], '=')) throw new ClusterRewriteError('expected ENGINE = after the columns');
  const engine = tokens[close + 3];
  const kind = engine?.kind === 'word' ? /^(\w*)MergeTree$/.exec(engine.text)?.[1] : undefined;
  if (kind === undefined || !MERGE_TREE_KINDS.includes(kind)) {
    throw new ClusterRewriteError(`engine ${engine?.text ?? '(none)'} is not a non-replicated MergeTree engine`);
  }
  let tail = close + 4;
  if (isPunct(tokens[tail], '(')) tail = closing(tokens, tail) + 1;

  const edits: Edit[] = [
    { at: tokens[n]!.end, text: `${LOCAL_SUFFIX}${on}` },
    { at: engine!.start, text: 'Replicated' },
  ];
  const top = topLevel(tokens, tail);
  for (const i of top) {
    if (isWord(tokens[i], 'AS')) throw new ClusterRewriteError('CREATE TABLE … AS is not supported');
  }
  const settingsAt = top.find((i) => isWord(tokens[i], 'SETTINGS'));
  if (settingsAt !== undefined) {
    const commentAt = top.find((i) => i > settingsAt && isWord(tokens[i], 'COMMENT'));
    const last = (commentAt ?? tokens.length) - 1;
    // The settings list: items split at depth-0 commas.
    const items: [number, number][] = [];
    let from = settingsAt + 1;
    for (const i of top.filter((i) => i > settingsAt && i <= last && isPunct(tokens[i], ','))) {
      items.push([from, i - 1]);
      from = i + 1;
    }
    items.push([from, last]);
    if (items.some(([a, b]) => a > b)) throw new ClusterRewriteError('empty item in SETTINGS');
    const kept = items
      .filter(([a]) => !DROPPED_SETTINGS.includes(tokens[a]?.text ?? ''))
      .map(([a, b]) => sql.slice(tokens[a]!.start, tokens[b]!.end));
    // From the end of the clause before SETTINGS, so that no blank line is left behind.
    const start = tokens[settingsAt - 1]!.end;
    const separator = sql.slice(start, tokens[settingsAt]!.start);
    edits.push({
      at: start,
      end: tokens[last]!.end,
      text: kept.length > 0 ? `${separator}SETTINGS ${kept.join(', ')}` : '',
    });
  }
  const ifNotExists = n > 2 ? 'IF NOT EXISTS ' : '';
  const local = localName(name);
  const c = clusterIdentifier(cluster);
  return [
    applyEdits(sql, edits),
    `CREATE TABLE ${ifNotExists}${name}${on} AS ${local}\nENGINE = Distributed(${c}, currentDatabase(), ${local}, ${shardingKey(name).key})`,
  ];
}

function rewriteMaterializedView(sql: string, tokens: Token[], on: string, tables: ReadonlySet<string>): string {
  const n = nameAfter(tokens, 3);
  if (!isWord(tokens[n + 1], 'TO')) throw new ClusterRewriteError('only materialized views with TO <table> are supported');
  const target = tokens[n + 2];
  if (target?.kind !== 'word' || isPunct(tokens[n + 3], '.') || !tables.has(target.text)) {
    throw new ClusterRewriteError('the TO table must be a table created by the migrations');
  }
  if (!isWord(tokens[n + 3], 'AS')) throw new ClusterRewriteError('expected AS SELECT after the TO table');
  const edits: Edit[] = [
    { at: tokens[n]!.end, text: on },
    { at: target.end, text: LOCAL_SUFFIX },
  ];
  const sources = localSources(tokens, n + 4, tables);
  if (sources.length === 0) throw new ClusterRewriteError('the view reads no table created by the migrations');
  for (const i of sources) edits.push({ at: tokens[i]!.end, text: LOCAL_SUFFIX });
  return applyEdits(sql, edits);
}

/**
 * Tokens naming a migration table right after FROM or JOIN (not ARRAY JOIN) in a query
 * scope: FROM inside a function call (EXTRACT(DAY FROM ts), substring(s FROM 2)) is not a
 * table position, and a column, alias or function named like a table is left alone.
 */
function localSources(tokens: Token[], from: number, tables: ReadonlySet<string>): number[] {
  const found: number[] = [];
  // One entry per open bracket: whether a SELECT started in that scope.
  const scopes: boolean[] = [false];
  for (let i = from; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'punct' && '([{'.includes(t.text)) scopes.push(false);
    else if (t.kind === 'punct' && ')]}'.includes(t.text)) scopes.pop();
    else if (isWord(t, 'SELECT')) scopes[scopes.length - 1] = true;
    else if ((isWord(t, 'FROM') || (isWord(t, 'JOIN') && !isWord(tokens[i - 1], 'ARRAY'))) && scopes[scopes.length - 1]) {
      const next = tokens[i + 1];
      if (next?.kind !== 'word' || !tables.has(next.text)) continue;
      if (isPunct(tokens[i + 2], '(')) continue; // a table function
      if (isPunct(tokens[i + 2], '.')) throw new ClusterRewriteError('database-qualified names are not supported');
      found.push(i + 1);
    }
  }
  return found;
}

function rewriteView(sql: string, tokens: Token[], from: number, on: string): string {
  const n = nameAfter(tokens, from);
  if (!isWord(tokens[n + 1], 'AS')) throw new ClusterRewriteError('expected AS SELECT after the view name');
  return applyEdits(sql, [{ at: tokens[n]!.end, text: on }]);
}

/** `INSERT INTO T (columns) SELECT …` between tables the migrations create, through the Distributed tables. */
function rewriteInsertSelect(sql: string, tokens: Token[], tables: ReadonlySet<string>): string {
  const n = nameAfter(tokens, 2);
  if (!tables.has(tokens[n]!.text)) throw new ClusterRewriteError('the INSERT target must be a table created by the migrations');
  if (!isPunct(tokens[n + 1], '(')) throw new ClusterRewriteError('expected a column list after the INSERT target');
  const close = closing(tokens, n + 1);
  if (!isWord(tokens[close + 1], 'SELECT')) throw new ClusterRewriteError('only INSERT INTO … (columns) SELECT is supported');
  return applyEdits(sql, [{ at: tokens[close]!.end, text: ` SETTINGS ${clusterInsertSettingsSql()}` }]);
}

/** `DROP TABLE|VIEW IF EXISTS name`: on the cluster; a table's local tables after its Distributed table. */
function rewriteDrop(tokens: Token[], on: string, tables: ReadonlySet<string>): string[] {
  const kind = tokens[1]!.text.toUpperCase();
  if (!(isWord(tokens[2], 'IF') && isWord(tokens[3], 'EXISTS'))) throw new ClusterRewriteError('DROP needs IF EXISTS (a migration must be safe to rerun)');
  const name = tokens[nameAfter(tokens, 4)]!;
  if (tokens.length > 5) throw new ClusterRewriteError('nothing may follow the dropped name');
  if (kind === 'VIEW') return [`DROP VIEW IF EXISTS ${name.text}${on}`];
  if (!tables.has(name.text)) throw new ClusterRewriteError('only tables created by the migrations can be dropped');
  return [`DROP TABLE IF EXISTS ${name.text}${on} SYNC`, `DROP TABLE IF EXISTS ${localName(name.text)}${on} SYNC`];
}

/** `ALTER TABLE T ADD INDEX IF NOT EXISTS …` or `ALTER TABLE T MATERIALIZE INDEX i`: on the local tables of every node. */
function rewriteAlterIndex(sql: string, tokens: Token[], on: string, tables: ReadonlySet<string>): string {
  const name = tokens[nameAfter(tokens, 2)]!;
  if (!tables.has(name.text)) throw new ClusterRewriteError('only tables created by the migrations can be altered');
  const addIndex = isWord(tokens[3], 'ADD') && isWord(tokens[4], 'INDEX') && isWord(tokens[5], 'IF') && isWord(tokens[6], 'NOT') && isWord(tokens[7], 'EXISTS');
  const materialize = isWord(tokens[3], 'MATERIALIZE') && isWord(tokens[4], 'INDEX') && tokens.length === 6;
  if (!addIndex && !materialize) throw new ClusterRewriteError('only ALTER TABLE … ADD INDEX IF NOT EXISTS and … MATERIALIZE INDEX are supported');
  if (topLevel(tokens, 3).some((i) => isPunct(tokens[i], ','))) throw new ClusterRewriteError('one index per ALTER');
  return applyEdits(sql, [{ at: name.start, end: name.end, text: `${localName(name.text)}${on}` }]);
}

/** `ALTER TABLE T ADD COLUMN IF NOT EXISTS c …`: on the local tables of every node, then on the Distributed table. */
function rewriteAddColumn(sql: string, tokens: Token[], on: string, tables: ReadonlySet<string>): string[] {
  const at = nameAfter(tokens, 2);
  const name = tokens[at]!;
  if (!tables.has(name.text)) throw new ClusterRewriteError('only tables created by the migrations can be altered');
  const ok = isWord(tokens[at + 1], 'ADD') && isWord(tokens[at + 2], 'COLUMN') && isWord(tokens[at + 3], 'IF') && isWord(tokens[at + 4], 'NOT') && isWord(tokens[at + 5], 'EXISTS');
  if (!ok) throw new ClusterRewriteError('only ALTER TABLE … ADD COLUMN IF NOT EXISTS is supported (a migration must be safe to rerun)');
  if (topLevel(tokens, at + 1).some((i) => isPunct(tokens[i], ','))) throw new ClusterRewriteError('one column per ALTER');
  return [
    applyEdits(sql, [{ at: name.start, end: name.end, text: `${localName(name.text)}${on}` }]),
    applyEdits(sql, [{ at: name.start, end: name.end, text: `${name.text}${on}` }]),
  ];
}
