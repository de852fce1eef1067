/**
 * IP addresses as 32-bit words: parsing (IPv4, IPv6, IPv4-mapped IPv6, zone ids), prefixes,
 * and which addresses never identify a client on the public internet.
 */
import { isIP } from 'node:net';

const DOT = 0x2e; // .
const COLON = 0x3a; // :
const ZERO = 0x30; // 0

/** IPv4 as one 32-bit word, IPv6 as four (most significant first); IPv4-mapped IPv6 counts as IPv4. */
export interface Address {
  family: 4 | 6;
  words: readonly number[];
  /** The address as text for the MMDB reader (dotted quad for mapped IPv4, no zone id). */
  text: string;
}

interface Prefix {
  words: readonly number[];
  bits: number;
}

/** Parses a dotted quad accepted by `isIP` into one 32-bit word. */
function parseIpv4(text: string): number {
  let value = 0;
  let octet = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === DOT) {
      value = value * 256 + octet;
      octet = 0;
    } else {
      octet = octet * 10 + code - ZERO;
    }
  }
  return value * 256 + octet;
}

function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join('.');
}

/** Rewrites a trailing dotted quad (::ffff:1.2.3.4) as two hex groups. */
function withHexTail(text: string): string {
  if (!text.includes('.')) return text;
  const lastColon = text.lastIndexOf(':');
  const ipv4 = parseIpv4(text.slice(lastColon + 1));
  return `${text.slice(0, lastColon + 1)}${(ipv4 >>> 16).toString(16)}:${(ipv4 & 0xffff).toString(16)}`;
}

/** Value of a hex digit's char code; the text has been validated by `isIP`. */
function hexDigit(code: number): number {
  return code <= 0x39 ? code - ZERO : (code | 0x20) - 0x57; // 'a' - 10 = 0x57
}

/** Parses an IPv6 address accepted by `isIP`, without zone id, into four 32-bit words. */
export function parseIpv6(text: string): number[] {
  const hex = withHexTail(text);
  const groups = [0, 0, 0, 0, 0, 0, 0, 0];
  let count = 0;
  let gap = -1; // index of the group where "::" stands for the missing zero groups
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= hex.length; i++) {
    const code = i < hex.length ? hex.charCodeAt(i) : COLON; // a virtual colon ends the last group
    if (code !== COLON) {
      value = value * 16 + hexDigit(code);
      digits++;
    } else if (digits > 0) {
      groups[count++] = value;
      value = 0;
      digits = 0;
    } else if (i > 0) {
      gap = count; // second colon of "::" (or the virtual one after a trailing "::")
    }
  }
  if (gap !== -1) {
    const missing = 8 - count;
    groups.copyWithin(gap + missing, gap, count);
    groups.fill(0, gap, gap + missing);
  }
  return [0, 2, 4, 6].map((i) => groups[i]! * 0x10000 + groups[i + 1]!);
}

function prefix(cidr: string): Prefix {
  const [address = '', bits = ''] = cidr.split('/');
  const words = address.includes(':') ? parseIpv6(address) : [parseIpv4(address)];
  return { words, bits: Number(bits) };
}

function inPrefix(words: readonly number[], { words: base, bits }: Prefix): boolean {
  for (let i = 0; bits > 0; i++, bits -= 32) {
    const mask = bits >= 32 ? 0xffffffff : ~(0xffffffff >>> bits);
    if (((words[i]! ^ base[i]!) & mask) !== 0) return false;
  }
  return true;
}

const IPV4_MAPPED = prefix('::ffff:0:0/96');

/** IPv4 ranges that never identify a client on the public internet (IANA special-purpose registry). */
const NON_PUBLIC_IPV4 = [
  '0.0.0.0/8', // "this network", includes the unspecified address
  '10.0.0.0/8', // RFC 1918 private
  '100.64.0.0/10', // RFC 6598 carrier-grade NAT
  '127.0.0.0/8', // loopback
  '169.254.0.0/16', // link-local
  '172.16.0.0/12', // RFC 1918 private
  '192.0.0.0/24', // IETF protocol assignments
  '192.0.2.0/24', // TEST-NET-1 documentation
  '192.168.0.0/16', // RFC 1918 private
  '198.18.0.0/15', // RFC 2544 benchmarking
  '198.51.100.0/24', // TEST-NET-2 documentation
  '203.0.113.0/24', // TEST-NET-3 documentation
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, includes the broadcast address
].map(prefix);

/**
 * IANA has allocated only 2000::/3 for global unicast, so this one test excludes the unspecified
 * and loopback addresses, unique-local fc00::/7, link-local fe80::/10 and multicast ff00::/8.
 */
const GLOBAL_UNICAST_IPV6 = prefix('2000::/3');
const NON_PUBLIC_IPV6 = [
  '2001:db8::/32', // documentation
  '3fff::/20', // RFC 9637 documentation
].map(prefix);

export function parseAddress(ip: string): Address | undefined {
  const family = isIP(ip);
  if (family === 4) return { family, words: [parseIpv4(ip)], text: ip };
  if (family !== 6) return undefined;
  const zone = ip.indexOf('%'); // scope ids (fe80::1%eth0) carry no location
  const text = zone === -1 ? ip : ip.slice(0, zone);
  const words = parseIpv6(text);
  if (!inPrefix(words, IPV4_MAPPED)) return { family, words, text };
  const ipv4 = words[3]!;
  return { family: 4, words: [ipv4], text: formatIpv4(ipv4) };
}

export function isPublicAddress({ family, words }: Address): boolean {
  if (family === 4) return !NON_PUBLIC_IPV4.some((range) => inPrefix(words, range));
  return inPrefix(words, GLOBAL_UNICAST_IPV6) && !NON_PUBLIC_IPV6.some((range) => inPrefix(words, range));
}

export function isPublicIp(ip: string): boolean {
  const address = parseAddress(ip);
  return address !== undefined && isPublicAddress(address);
}
