/**
 * impossible_travel in words (issue 15, smaller item): a token used from two places at
 * once is said to be, not "A 11:51 then B 11:43: 11,600 km in 0 min".
 */
import { describe, expect, it } from 'vitest';
import { travelExplanation } from '../../src/detectors/impossible-travel.js';

const at = (hm: string) => new Date(`2026-12-07T${hm}:00.000Z`);
const buenosAires = { country: 'AR', city: 'Buenos Aires' };
const melbourne = { country: 'AU', city: 'Melbourne' };

describe('impossible_travel explanations', () => {
  it('a move between two times reads as a journey with its speed', () => {
    const text = travelExplanation({ ...buenosAires, first: at('10:00'), last: at('11:00') }, { ...melbourne, first: at('11:30'), last: at('11:40') }, 11_600, 30, '23,200 km/h');
    expect(text).toBe('Buenos Aires, AR 11:00 then Melbourne, AU 11:30: 11,600 km in 30 min = 23,200 km/h');
  });

  it('overlapping uses read as both at once, with the overlap, never a time going backwards', () => {
    const text = travelExplanation({ ...buenosAires, first: at('11:40'), last: at('11:51') }, { ...melbourne, first: at('11:43'), last: at('11:58') }, 11_600, 0, 'both at once');
    expect(text).toBe('used from Buenos Aires, AR and Melbourne, AU at once (between 11:43 and 11:51), 11,600 km apart');
    expect(text).not.toMatch(/then|0 min/);
    const same = travelExplanation({ ...buenosAires, first: at('11:43'), last: at('11:43') }, { ...melbourne, first: at('11:43'), last: at('11:43') }, 11_600, 0, 'both at once');
    expect(same).toBe('used from Buenos Aires, AR and Melbourne, AU at once (at 11:43), 11,600 km apart');
  });
});
