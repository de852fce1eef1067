/**
 * The loghub OpenSSH brute force through the public API (issue 13's third source):
 * `npx tsx bench/sshd.ts [--file path] [--mode backfill|streaming]`. Downloads nothing:
 * the log's licence allows research and academic use only, so it is not in this
 * repository; get it with
 *   curl -o test/quality/data/OpenSSH_2k.log https://raw.githubusercontent.com/logpai/loghub/master/OpenSSH/OpenSSH_2k.log
 * Prints the fraction of attacking addresses flagged (target ≥ 0.9) and which were missed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runHarness, type Mode } from '../test/quality/harness.js';
import { trafficEnd } from '../test/quality/runner.js';
import { score } from '../test/quality/score.js';
import { parseSshd, sshdTraffic } from '../test/quality/sshd.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { file: { type: 'string', default: 'test/quality/data/OpenSSH_2k.log' }, mode: { type: 'string', default: 'backfill' } } });
  if (!existsSync(values.file!)) throw new Error(`${values.file} is missing; see the header of bench/sshd.ts for where to get it`);
  if (values.mode !== 'backfill' && values.mode !== 'streaming') throw new Error('--mode must be backfill or streaming');
  const traffic = sshdTraffic(parseSshd(readFileSync(values.file!, 'utf8')), trafficEnd());
  const run = await runHarness(traffic, values.mode as Mode);
  const s = score(traffic, run);
  const k = s.kinds.find((x) => x.kind === 'auth_failures')!;
  console.log(`sshd (${values.mode}): ${traffic.usage.length} login attempts from ${new Set(traffic.usage.map((e) => e.ip)).size} addresses; ${k.detected} of ${k.attacks} attacking addresses flagged = ${k.recall.toFixed(2)} (target ≥ 0.9)`);
  console.log(`flags per detector (matched/all): ${Object.entries(s.detectors).map(([d, v]) => `${d} ${v.matched}/${v.flags}`).join(', ') || 'none'}`);
  const perIp = new Map<string, number>();
  for (const e of traffic.usage) if (e.status === 401) perIp.set(e.ip, (perIp.get(e.ip) ?? 0) + 1);
  console.log(`missed: ${k.missed.map((m) => `${m.split(' ')[0]!.slice(5)} (${perIp.get(m.split(' ')[0]!.slice(5))} failures)`).join(', ') || 'none'}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
