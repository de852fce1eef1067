/**
 * Benchmark dispatcher: `npm run bench -- <name> [args…] [--record]`. Each benchmark is a
 * module exporting `run(args)`; adding one is one line in BENCHMARKS. Results go to
 * bench/results/ (untracked) unless --record asks for the tracked RESULTS file.
 */
import { recordResults } from './common.js';

const BENCHMARKS: Record<string, { about: string; load: () => Promise<{ run(args: string[]): Promise<number | void> }> }> = {
  ingest: { about: 'raw chDB insert rate vs. end-to-end HTTP ingest, ack latency, peak RSS', load: () => import('./ingest.js') },
  'ingest-native': { about: 'a native gateway format (Kong http-log) beside /v1/events: CPU and wall time per event (issue 14)', load: () => import('./ingest-native.js') },
  'ingest-engine': { about: 'the embedded engine alone: CPU and memory per ingested row, by insert size, with and without the views', load: () => import('./ingest-engine.js') },
  query: { about: 'token detail, time series, top-20 latency vs. naive GROUP BY over usage_events (issue 3)', load: () => import('./query.js') },
  detect: { about: 'one scheduler tick at 100k events/min, 1M vs 10M events of history (issue 4)', load: () => import('./detect.js') },
  revoke: { about: 'revocation estimate latency, bulk job throughput, detection-to-revocation latency (issue 5)', load: () => import('./revoke.js') },
};

const argv = process.argv.slice(2);
recordResults(argv.includes('--record'));
const [name, ...args] = argv.filter((a) => a !== '--record');
const bench = name === undefined ? undefined : BENCHMARKS[name];
if (!bench) {
  if (name !== undefined) console.error(`unknown benchmark "${name}"\n`);
  console.error('usage: npm run bench -- <name> [--record]   (--record: write the tracked bench/RESULTS file, else bench/results/)\n\navailable benchmarks:');
  for (const [n, b] of Object.entries(BENCHMARKS)) console.error(`  ${n.padEnd(13)} ${b.about}`);
  process.exit(2);
}
const code = await (await bench.load()).run(args);
process.exit(typeof code === 'number' ? code : 0);
