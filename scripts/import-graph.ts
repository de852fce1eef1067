/**
 * The import graph of src/ by folder, and the layers it should respect.
 *
 *   npm run import-graph              print the folder graph (Mermaid) and every upward import
 *   npm run import-graph -- --write   also rewrite the graph in docs/architecture.md
 *
 * A folder of src/ (ingest/, revocation/ …) is one node; a file at the top of src/ (app.ts,
 * context.ts …) is a node of its own. test/architecture.test.ts fails on an import that
 * goes to the same or a higher layer, except the known ones it lists.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');
export const ARCHITECTURE_DOC = join(ROOT, 'docs', 'architecture.md');

/**
 * Top to bottom. A module imports only from its own folder or from a lower layer; modules
 * of one layer are peers and do not import each other. Data flows down the same way: the
 * composition root wires features, features use the ingest path's schema, the platform
 * pieces, the token read model, the warehouse and the config.
 */
export const LAYERS: readonly { name: string; nodes: readonly string[] }[] = [
  { name: 'entry point', nodes: ['main'] },
  { name: 'commands', nodes: ['cli', 'demo'] },
  { name: 'server', nodes: ['server'] },
  { name: 'HTTP app', nodes: ['app'] },
  { name: 'composition root', nodes: ['context'] },
  { name: 'features', nodes: ['console', 'ops', 'query', 'detectors', 'revocation', 'gateway', 'simulate'] },
  { name: 'ingest path', nodes: ['ingest'] },
  { name: 'HTTP edge', nodes: ['http'] },
  { name: 'platform', nodes: ['keys', 'metrics', 'logger', 'durable', 'running-server'] },
  { name: 'token read model', nodes: ['registry'] },
  { name: 'warehouse', nodes: ['warehouse'] },
  { name: 'config', nodes: ['config'] },
  { name: 'foundation', nodes: ['json', 'errors', 'time'] },
];

export interface Import {
  /** Both relative to the repository root, e.g. src/detectors/routes.ts */
  from: string;
  to: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Static imports and re-exports of relative paths (type-only ones too: they tie modules just the same). */
const IMPORT = /^\s*(?:import|export)\b[^;'"]*?\bfrom\s+'(\.{1,2}\/[^']+)'|^\s*import\s+'(\.{1,2}\/[^']+)'|\bimport\(\s*'(\.{1,2}\/[^']+)'\s*\)/gm;

export function imports(): Import[] {
  const out: Import[] = [];
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const spec = (match[1] ?? match[2] ?? match[3])!;
      const target = normalize(join(dirname(file), spec)).replace(/\.js$/, '.ts');
      out.push({ from: relative(ROOT, file).split(sep).join('/'), to: relative(ROOT, target).split(sep).join('/') });
    }
  }
  return out.sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
}

/** The graph node of a file: its folder under src/, or the file's name at the top of src/. */
export function nodeOf(path: string): string {
  const parts = path.split('/').slice(1); // without "src"
  return parts.length > 1 ? parts[0]! : parts[0]!.replace(/\.ts$/, '');
}

export function layerOf(node: string): number {
  const index = LAYERS.findIndex((l) => l.nodes.includes(node));
  if (index === -1) throw new Error(`src/${node} is in no layer: add it to LAYERS in scripts/import-graph.ts`);
  return index;
}

/** Imports that do not go down: to a peer of the same layer or to a higher layer. */
export function upwardImports(all: readonly Import[] = imports()): Import[] {
  return all.filter(({ from, to }) => {
    const a = nodeOf(from);
    const b = nodeOf(to);
    return a !== b && layerOf(b) <= layerOf(a);
  });
}

/** Folder-to-folder edges with the number of imports behind each. */
export function folderEdges(all: readonly Import[] = imports()): { from: string; to: string; count: number; upward: boolean }[] {
  const counts = new Map<string, number>();
  for (const { from, to } of all) {
    const a = nodeOf(from);
    const b = nodeOf(to);
    if (a !== b) counts.set(`${a} ${b}`, (counts.get(`${a} ${b}`) ?? 0) + 1);
  }
  return [...counts]
    .map(([key, count]) => {
      const [from, to] = key.split(' ') as [string, string];
      return { from, to, count, upward: layerOf(to) <= layerOf(from) };
    })
    .sort((x, y) => layerOf(x.from) - layerOf(y.from) || x.from.localeCompare(y.from) || x.to.localeCompare(y.to));
}

/** The folder graph as a Mermaid flowchart: one subgraph per layer, upward edges dashed and red. */
export function mermaid(all: readonly Import[] = imports()): string {
  const present = new Set(all.flatMap((i) => [nodeOf(i.from), nodeOf(i.to)]));
  const lines = ['flowchart TD'];
  LAYERS.forEach((layer, i) => {
    const nodes = layer.nodes.filter((n) => present.has(n));
    if (nodes.length === 0) return;
    lines.push(`  subgraph L${i}["${layer.name}"]`, ...nodes.map((n) => `    ${n}`), '  end');
  });
  const edges = folderEdges(all);
  const upward: number[] = [];
  edges.forEach((e, i) => {
    lines.push(`  ${e.from} ${e.upward ? '-.->' : '-->'}|${e.count}| ${e.to}`);
    if (e.upward) upward.push(i);
  });
  if (upward.length > 0) lines.push(`  linkStyle ${upward.join(',')} stroke:#d33,color:#d33`);
  return lines.join('\n');
}

const START = '<!-- import-graph:start (npm run import-graph -- --write) -->';
const END = '<!-- import-graph:end -->';

/** docs/architecture.md with its generated block replaced. */
export function withGraph(doc: string, all: readonly Import[] = imports()): string {
  const at = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (at === -1 || end < at) throw new Error(`docs/architecture.md has no ${START} … ${END} block`);
  const upward = upwardImports(all);
  const block = [
    START,
    '```mermaid',
    mermaid(all),
    '```',
    '',
    upward.length === 0
      ? 'Every import goes down the layers.'
      : `${upward.length} imports do not go down yet (dashed, red), by folder: ` +
        folderEdges(all)
          .filter((e) => e.upward)
          .map((e) => `${e.from} → ${e.to} (${e.count})`)
          .join(', ') +
        '.',
    END,
  ].join('\n');
  return doc.slice(0, at) + block + doc.slice(end + END.length);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const all = imports();
  console.log(mermaid(all));
  console.log('\nimports that do not go down:');
  for (const { from, to } of upwardImports(all)) console.log(`  ${from} -> ${to}`);
  if (process.argv.includes('--write')) {
    writeFileSync(ARCHITECTURE_DOC, withGraph(readFileSync(ARCHITECTURE_DOC, 'utf8'), all));
    console.log(`\nwrote the graph into ${relative(ROOT, ARCHITECTURE_DOC)}`);
  }
}
