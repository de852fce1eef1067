/**
 * Imports go down the layers of docs/architecture.md (LAYERS in scripts/import-graph.ts).
 * A new import to a peer or a higher layer fails here. KNOWN_UPWARD lists the ones that
 * are let through, each with its reason, until it is fixed: empty since issue 12 removed
 * the last; an entry whose import is gone fails too (the test says so).
 */
import { describe, expect, it } from 'vitest';
import { imports, LAYERS, nodeOf, upwardImports } from '../scripts/import-graph.js';

const KNOWN_UPWARD: readonly string[] = [];

describe('architecture', () => {
  const all = imports();
  const upward = upwardImports(all).map(({ from, to }) => `${from} -> ${to}`);

  it('reads the imports of src/ (the graph is not empty and has the edges we know)', () => {
    expect(all.length).toBeGreaterThan(200);
    expect(all).toContainEqual({ from: 'src/app.ts', to: 'src/context.ts' });
    expect(all).toContainEqual({ from: 'src/ingest/geo.ts', to: 'src/ingest/geo/index.ts' });
  });

  it('places every folder of src/ in a layer', () => {
    const placed = new Set(LAYERS.flatMap((l) => l.nodes));
    const nodes = new Set(all.flatMap((i) => [nodeOf(i.from), nodeOf(i.to)]));
    expect([...nodes].filter((n) => !placed.has(n))).toEqual([]);
  });

  it('has no import to a peer or a higher layer beyond the known ones', () => {
    const unknown = upward.filter((edge) => !KNOWN_UPWARD.includes(edge));
    expect(unknown, 'new imports that do not go down the layers (docs/architecture.md): import from a lower layer, or move the code').toEqual([]);
  });

  it('lists only known upward imports that still exist', () => {
    const fixed = KNOWN_UPWARD.filter((edge) => !upward.includes(edge));
    expect(fixed, 'these imports are gone: remove them from KNOWN_UPWARD').toEqual([]);
  });
});
