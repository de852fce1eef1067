/** The late-event focus as typed detector queries see it: checked parameters, and the same SQL from them as from the range. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { focusCondition, focusOf, focusParams, focusSql, withFocus, type DetectionRange } from '../../src/detectors/types.js';

const schema = withFocus({ from: z.date(), to: z.date() });
const from = new Date('2026-05-01T10:00:00Z');
const to = new Date('2026-05-01T11:00:00Z');
const recheck: DetectionRange = {
  from,
  to,
  windowMs: 300_000,
  recheck: {
    before: new Date('2026-05-01T10:55:00Z'),
    windows: [
      { start: new Date('2026-05-01T10:05:00Z'), tokens: ['a'.repeat(64)] },
      { start: new Date('2026-05-01T10:20:00Z'), tokens: ['b'.repeat(64), 'c'.repeat(64)] },
    ],
    tokens: ['a'.repeat(64), 'b'.repeat(64), 'c'.repeat(64)],
  },
};

describe('withFocus / focusOf', () => {
  it('accepts a range without a recheck and one with, and builds the same SQL from the checked parameters as from the range', () => {
    for (const range of [{ from, to, windowMs: 300_000 } satisfies DetectionRange, recheck]) {
      const params = schema.parse({ from, to, ...focusParams(range) });
      expect(focusSql(focusOf(params), 'ts')).toBe(focusSql(range, 'ts'));
      expect(focusCondition(focusOf(params), 'ts', 'u.token_fingerprint')).toBe(focusCondition(range, 'ts', 'u.token_fingerprint'));
    }
    expect(focusSql(focusOf(schema.parse({ from, to, ...focusParams(recheck) })), 'ts')).toContain('{recheck_tokens_1:Array(String)}');
  });

  it('refuses a parameter the query does not have, a window bound that is not a date, and an incomplete window', () => {
    expect(() => schema.parse({ from, to, extra: 1 })).toThrow(/not a parameter of this query/);
    expect(() => schema.parse({ from, to, ...focusParams(recheck), recheck_from_0: '2026-05-01' })).toThrow(/a recheck window bound is a date/);
    const { recheck_to_1: _dropped, ...incomplete } = focusParams(recheck);
    expect(() => schema.parse({ from, to, ...incomplete })).toThrow(/an incomplete recheck window/);
    expect(() => schema.parse({ from: 'yesterday', to })).toThrow();
  });
});
