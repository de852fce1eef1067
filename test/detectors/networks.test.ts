/**
 * Network classes from the real ASN data: the organisation names in ip-location-db's asn
 * package, for the networks the simulator knows the kind of (labelled by hand from what
 * each operator is), and a few that neither list mentions.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyNetwork } from '../../src/detectors/networks.js';
import { ASN_INFO } from '../../src/simulate/network-table.js';

const require = createRequire(import.meta.url);
const dir = path.dirname(require.resolve('@ip-location-db/asn/package.json'));
const orgs = new Map<number, string>();
for (const line of readFileSync(path.join(dir, 'asn-ipv4-num.csv'), 'utf8').split('\n')) {
  const [, , asn, ...org] = line.split(',');
  const n = Number(asn);
  if (!orgs.has(n)) orgs.set(n, org.join(',').replace(/^"|"$/g, '').replace(/""/g, '"'));
}

describe('classifyNetwork', () => {
  it('names clouds, VPN exits and carriers as the simulator labels them, and homes and offices as fixed', () => {
    const wrong: string[] = [];
    for (const [asn, info] of Object.entries(ASN_INFO)) {
      const org = orgs.get(Number(asn)) ?? '';
      const expected = info.kind === 'residential' || info.kind === 'business' ? 'fixed' : info.kind;
      const got = classifyNetwork(Number(asn), org);
      if (got !== expected) wrong.push(`AS${asn} ${org}: ${got}, labelled ${info.kind}`);
    }
    // A few fixed-line incumbents also run their carrier under the same ASN: allow 5 %.
    expect(wrong.length, wrong.join('\n')).toBeLessThanOrEqual(Math.ceil(Object.keys(ASN_INFO).length * 0.05));
  });

  it('reads the organisation of networks no list names', () => {
    expect(classifyNetwork(64500, 'Example Cloud Hosting Ltd')).toBe('hosting');
    expect(classifyNetwork(64501, 'Example Secure VPN AB')).toBe('vpn');
    expect(classifyNetwork(64502, 'Example Mobile Telecom')).toBe('mobile');
    expect(classifyNetwork(64503, 'Example Cable Communications, LLC')).toBe('fixed');
    expect(classifyNetwork(7922, orgs.get(7922) ?? '')).toBe('fixed');
  });
});
