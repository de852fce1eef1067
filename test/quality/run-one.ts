/** CLI: `npx tsx bench/quality.ts --size test --seed 1 --mode streaming [--traffic a|b|c|d|e|f|g] [--end <a past run's end>]` (also `--json`). */
import { parseArgs } from 'node:util';
import { formatRun, runOne, SIZES, type SizeName, type TrafficName } from './runner.js';
import type { Mode } from './harness.js';

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      size: { type: 'string', default: 'test' },
      seed: { type: 'string', default: '1' },
      mode: { type: 'string', default: 'backfill' },
      traffic: { type: 'string', default: 'a' },
      end: { type: 'string' },
      json: { type: 'boolean', default: false },
      table: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
    },
  });
  if (!(values.size! in SIZES)) throw new Error(`--size must be one of ${Object.keys(SIZES).join(', ')}`);
  if (values.mode !== 'backfill' && values.mode !== 'streaming') throw new Error('--mode must be backfill or streaming');
  if (!['a', 'b', 'c', 'd', 'e', 'f', 'g'].includes(values.traffic!)) throw new Error('--traffic must be a (traffic.ts), b (traffic-b.ts, the held-out set), c (traffic-c.ts, the third blind set), d (traffic-d.ts, the fourth blind set), e (traffic-e.ts, the fifth blind set), f (traffic-f.ts, the sixth blind set) or g (traffic-g.ts, the seventh blind set)');
  const end = values.end === undefined ? undefined : Date.parse(values.end);
  if (end !== undefined && (Number.isNaN(end) || end % 300_000 !== 0)) throw new Error('--end must be a time on a 5-minute boundary, as a run prints it (e.g. 2026-12-07T17:35:00Z)');
  // The ingest API refuses events more than 5 minutes ahead of its clock: a run ending
  // later would lose its last events (and score what it never sent).
  if (end !== undefined && end > Date.now()) throw new Error(`--end ${values.end} is in the future: the API would refuse the traffic after now; pick a past end`);
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');
  const r = await runOne(seed, values.mode as Mode, values.size as SizeName, values.verbose ? (l) => console.error(l) : undefined, values.traffic as TrafficName, end);
  if (values.json && values.table) console.log(formatRun(r));
  if (values.json) console.log(JSON.stringify({ seed, traffic: r.trafficName, mode: r.mode, size: r.size, score: r.score, delivery: r.run.delivery, seconds: r.run.seconds }, null, 2));
  else {
    console.log(formatRun(r));
    if (values.verbose) for (const f of r.score.falseSubjects.slice(0, 40)) console.log(`  benign flagged ${f.subject} [${f.detectors.join(',')}] ${f.example}`);
    if (values.verbose) for (const u of r.score.unmatched.slice(0, 60)) console.log(`  unmatched flag ${u}`);
  }
}
