/**
 * ASNs from the ip-location-db ASN CSV files, loaded once into sorted typed arrays and
 * binary searched.
 */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { parseIpv6 } from './address.js';
import { countLines, forEachCsvRecord } from './csv.js';

/** IPv4 bounds as integers, so startup does no address parsing for the larger file. */
export const ASN_IPV4_CSV = 'asn-ipv4-num.csv';
/** IPv6 bounds as text: parsed by the same code as lookups, which avoids 128-bit decimal maths. */
export const ASN_IPV6_CSV = 'asn-ipv6.csv';
const ASN_CSV_COLUMNS = 4; // start, end, asn, organisation

/** Address ranges sorted by start; each bound takes `width` 32-bit words. */
export interface AsnTable {
  width: number;
  starts: Uint32Array;
  ends: Uint32Array;
  asns: Uint32Array;
}

export function ipv4IntegerBound(text: string): number[] {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new Error(`bad IPv4 integer "${text}"`);
  return [value];
}

export function ipv6TextBound(text: string): number[] {
  if (isIP(text) !== 6) throw new Error(`bad IPv6 address "${text}"`);
  return parseIpv6(text);
}

export async function loadAsnTable(
  file: string,
  width: number,
  parseBound: (text: string) => number[],
  asnOrgs: Map<number, string>,
): Promise<AsnTable> {
  // latin1 decoding is a plain byte copy; the CSV syntax and bounds are ASCII, orgs are UTF-8.
  const text = (await readFile(file)).toString('latin1');
  const capacity = countLines(text);
  const starts = new Uint32Array(capacity * width);
  const ends = new Uint32Array(capacity * width);
  const asns = new Uint32Array(capacity);
  let rows = 0;
  try {
    forEachCsvRecord(text, (fields) => {
      if (fields.length !== ASN_CSV_COLUMNS) {
        throw new Error(`expected ${ASN_CSV_COLUMNS} fields, got ${fields.length}`);
      }
      const startWords = parseBound(fields[0]!);
      // Binary search needs ascending starts.
      if (rows > 0 && compareBound(starts, rows - 1, width, startWords) > 0) {
        throw new Error('ranges are not sorted by start');
      }
      const asNumber = Number(fields[2]);
      if (!Number.isInteger(asNumber) || asNumber < 0 || asNumber > 0xffffffff) {
        throw new Error(`bad ASN "${fields[2]}"`);
      }
      const endWords = parseBound(fields[1]!);
      for (let i = 0; i < width; i++) {
        starts[rows * width + i] = startWords[i]!;
        ends[rows * width + i] = endWords[i]!;
      }
      asns[rows] = asNumber;
      // Every row of an AS carries the same name, so names are kept (and decoded from UTF-8) once
      // per ASN; deduplicating ~515k org strings by hashing was the largest single load cost.
      if (!asnOrgs.has(asNumber)) asnOrgs.set(asNumber, Buffer.from(fields[3]!, 'latin1').toString('utf8'));
      rows++;
    });
  } catch (error) {
    // Rows are counted only once fully parsed, so the failing one is the next.
    throw new Error(`cannot load ASN data from ${file}, row ${rows + 1}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return {
    width,
    starts: starts.subarray(0, rows * width),
    ends: ends.subarray(0, rows * width),
    asns: asns.subarray(0, rows),
  };
}

/** Negative when the bound at `index` is below `words`, zero when equal, positive when above. */
function compareBound(bounds: ArrayLike<number>, index: number, width: number, words: readonly number[]): number {
  for (let i = 0; i < width; i++) {
    const diff = bounds[index * width + i]! - words[i]!;
    if (diff !== 0) return diff;
  }
  return 0;
}

/** Index of the range holding the address, or -1. Of overlapping ranges, the later start wins. */
export function findRange(table: AsnTable, words: readonly number[]): number {
  const { width, starts, ends } = table;
  let low = 0;
  let high = table.asns.length - 1;
  let candidate = -1; // last range starting at or before the address
  while (low <= high) {
    const mid = (low + high) >>> 1;
    if (compareBound(starts, mid, width, words) <= 0) {
      candidate = mid;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return candidate !== -1 && compareBound(ends, candidate, width, words) >= 0 ? candidate : -1;
}
