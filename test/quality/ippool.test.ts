/** The address pools are what they claim: the product's own MMDB/ASN lookup agrees on country and ASN. */
import { describe, expect, it } from 'vitest';
import { openGeo } from '../../src/ingest/geo.js';
import { addressIn, NETWORKS, NETWORKS_B } from './ippool.js';
import { Rng } from './rng.js';

describe('independent traffic: address pools', () => {
  it('every network places its addresses in its country and ASN', async () => {
    const geo = await openGeo({});
    const rng = new Rng('ippool-test');
    const wrong: string[] = [];
    for (const net of [...NETWORKS, ...NETWORKS_B]) {
      for (let i = 0; i < 40; i++) {
        const ip = addressIn(rng, net);
        const got = geo.lookup(ip);
        if (got?.country !== net.country || got?.asn !== net.asn) wrong.push(`${net.id} ${ip}: ${got?.country}/${got?.asn}`);
      }
    }
    geo.close();
    expect(wrong).toEqual([]);
  });

  it('the same seed gives the same addresses, another seed others', () => {
    const draw = (seed: number) => NETWORKS.map((n) => addressIn(new Rng(seed), n)).join(',');
    expect(draw(1)).toBe(draw(1));
    expect(draw(1)).not.toBe(draw(2));
  });
});
