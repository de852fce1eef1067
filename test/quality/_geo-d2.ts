import { openGeo } from '../../src/ingest/geo.js';
async function main() {
  const g = await openGeo({});
  const p = process.argv[2]!;
  const out: string[] = [];
  for (let t = 0; t < 256; t++) {
    const rs = [1, 77, 130, 254].map((h) => g.lookup(`${p}.${t}.${h}`) as { country?: string; asn?: number } | undefined);
    const k = new Set(rs.map((r) => `${r?.country}/${r?.asn}`));
    out.push(`${t}:${k.size === 1 ? [...k][0] : 'mixed'}`);
  }
  console.log(out.join(' '));
  g.close();
}
main();
