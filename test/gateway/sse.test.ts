import { describe, expect, it } from 'vitest';
import { SseParser, type SseEvent } from '../../src/gateway/sse.js';

const STREAM =
  '\uFEFF: hello\r\n\r\n' +
  'id: c-1\r\nevent: revoked\r\ndata: {"a":1}\r\n\r\n' +
  ': ping\n\n' +
  'event: revoked\ndata: line one\ndata:line two\ndata\nid: c-2\n\n' +
  'id: c-3\revent: other\rdata: ü€𝄞\r\r' +
  'id: c-4\n\n' + // no data: not dispatched, but the id counts
  'data: after\n\n' +
  'data: unfinished';

const EXPECTED: SseEvent[] = [
  { type: 'revoked', data: '{"a":1}', id: 'c-1' },
  { type: 'revoked', data: 'line one\nline two\n', id: 'c-2' },
  { type: 'other', data: 'ü€𝄞', id: 'c-3' },
  { type: 'message', data: 'after', id: 'c-4' },
];

function feed(chunks: Uint8Array[]): { events: SseEvent[]; parser: SseParser } {
  const parser = new SseParser();
  const events = chunks.flatMap((c) => parser.push(c));
  return { events, parser };
}

describe('SseParser', () => {
  const bytes = new TextEncoder().encode(STREAM);

  it('parses a whole stream: CRLF, LF and CR line ends, comments, multi-line data, ids, BOM', () => {
    const { events, parser } = feed([bytes]);
    expect(events).toEqual(EXPECTED);
    expect(parser.lastEventId).toBe('c-4');
  });

  it('gives the same events whatever the chunk boundaries (byte by byte, CR|LF split, UTF-8 split)', () => {
    const single = Array.from(bytes, (b) => Uint8Array.of(b));
    expect(feed(single).events).toEqual(EXPECTED);
    for (const size of [2, 3, 5, 7, 13]) {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      expect(feed(chunks).events).toEqual(EXPECTED);
    }
  });

  it('does not read a CRLF split across chunks as two line ends', () => {
    const parser = new SseParser();
    expect(parser.push('data: a\r')).toEqual([]);
    expect(parser.push('\ndata: b\r\n\r')).toEqual([{ type: 'message', data: 'a\nb', id: '' }]);
    expect(parser.push('\n')).toEqual([]);
    expect(parser.push('data: c\n\n')).toEqual([{ type: 'message', data: 'c', id: '' }]);
  });

  it('reads the retry advice and ignores unknown fields', () => {
    const parser = new SseParser();
    expect(parser.push('retry: 1500\nfoo: bar\ndata: x\n\n')).toEqual([{ type: 'message', data: 'x', id: '' }]);
    expect(parser.retryMs).toBe(1500);
  });

  it('refuses an endless line', () => {
    const parser = new SseParser();
    expect(() => parser.push('data: ' + 'x'.repeat(2 << 20))).toThrow(/longer than/);
  });
});
