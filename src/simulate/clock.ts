/** Time for simulated people and machines: local hours, weekdays, sessions and bursts. */
import type { Rng } from './prng.js';

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Local time of day in a zone, with the zone's UTC offset computed once per zone and UTC day. */
export class LocalTime {
  private readonly formats = new Map<string, Intl.DateTimeFormat>();
  private readonly offsets = new Map<string, number>();

  /** Milliseconds to add to UTC to get local wall-clock time. */
  offset(tz: string, ms: number): number {
    const day = Math.floor(ms / DAY);
    const key = `${tz}|${day}`;
    let offset = this.offsets.get(key);
    if (offset === undefined) {
      let format = this.formats.get(tz);
      if (!format) {
        format = new Intl.DateTimeFormat('en-US', {
          timeZone: tz,
          hourCycle: 'h23',
          year: 'numeric',
          month: 'numeric',
          day: 'numeric',
          hour: 'numeric',
          minute: 'numeric',
        });
        this.formats.set(tz, format);
      }
      const probe = day * DAY + 12 * HOUR;
      const parts: Record<string, number> = {};
      for (const p of format.formatToParts(new Date(probe))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
      const local = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!);
      offset = Math.round((local - probe) / MINUTE) * MINUTE;
      this.offsets.set(key, offset);
    }
    return offset;
  }

  /** Local hour, 0–23. */
  hour(tz: string, ms: number): number {
    return new Date(ms + this.offset(tz, ms)).getUTCHours();
  }

  /** Saturday or Sunday, locally. */
  weekend(tz: string, ms: number): boolean {
    const d = new Date(ms + this.offset(tz, ms)).getUTCDay();
    return d === 0 || d === 6;
  }

  /** The UTC instant of a local wall-clock time on the local day that contains `ms`. */
  at(tz: string, ms: number, hour: number, minute = 0): number {
    const offset = this.offset(tz, ms);
    const localMidnight = Math.floor((ms + offset) / DAY) * DAY;
    return localMidnight + hour * HOUR + minute * MINUTE - offset;
  }
}

/** Relative activity per local hour, 0–23. */
export type DayProfile = readonly number[];

/** People on their own devices: some late use, a morning rise, an evening peak. */
export const CONSUMER: DayProfile = [1, 0.5, 0.25, 0.15, 0.15, 0.3, 0.8, 2, 3.5, 4, 4, 4, 4.5, 4, 3.5, 3.5, 4, 4.5, 5, 6, 6.5, 6, 4, 2];
/** Office hours with a lunch dip. */
export const OFFICE: DayProfile = [0, 0, 0, 0, 0, 0, 0.1, 1.2, 5, 6, 6, 5, 3, 5, 6, 6, 5, 2.5, 0.8, 0.3, 0.2, 0.1, 0, 0];
/** After work, at home. */
export const EVENING: DayProfile = [0.3, 0.1, 0, 0, 0, 0, 0.2, 0.5, 0.2, 0, 0, 0, 0, 0, 0, 0, 0, 0.5, 2, 4, 5, 4.5, 3, 1];
/** Machine-to-machine with people behind it: business hours, never quite zero. */
export const BUSINESS: DayProfile = [0.3, 0.3, 0.3, 0.3, 0.3, 0.4, 0.8, 2, 4, 5, 5, 5, 4, 5, 5, 5, 4.5, 3, 1.5, 1, 0.6, 0.5, 0.4, 0.3];

export interface SessionPlan {
  from: number;
  to: number;
  tz: string;
  /** Mean sessions per weekday. */
  perDay: number;
  profile: DayProfile;
  /** Weekend activity relative to a weekday. */
  weekend: number;
}

/** Session start times: an inhomogeneous Poisson process following the local day profile. */
export function sessionStarts(rng: Rng, clock: LocalTime, plan: SessionPlan): number[] {
  const total = plan.profile.reduce((a, b) => a + b, 0);
  const starts: number[] = [];
  for (let hour = Math.floor(plan.from / HOUR) * HOUR; hour < plan.to; hour += HOUR) {
    const mid = hour + HOUR / 2;
    const factor = clock.weekend(plan.tz, mid) ? plan.weekend : 1;
    const mean = (plan.perDay * plan.profile[clock.hour(plan.tz, mid)]! * factor) / total;
    const n = rng.poisson(mean);
    for (let i = 0; i < n; i++) {
      const t = hour + Math.floor(rng.next() * HOUR);
      if (t >= plan.from && t < plan.to) starts.push(t);
    }
  }
  return starts.sort((a, b) => a - b);
}

/**
 * Request times of one interactive session: a few to a few hundred requests, seconds apart,
 * with the occasional pause of a minute or two while the person reads.
 */
export function burst(rng: Rng, start: number, medianRequests: number, meanGapMs: number): number[] {
  const n = Math.min(400, Math.max(1, Math.round(rng.around(medianRequests, 2))));
  const times: number[] = [];
  let t = start;
  for (let i = 0; i < n; i++) {
    times.push(Math.round(t));
    t += rng.chance(0.08) ? rng.exp(60 * SECOND) + 10 * SECOND : rng.exp(meanGapMs) + 150;
  }
  return times;
}

/**
 * A steady machine: each minute a Poisson count at `perHour` times the profile's shape
 * (flattened by `depth`: 0 = flat, 1 = the profile itself), spread uniformly over the minute.
 */
export function steady(rng: Rng, clock: LocalTime, from: number, to: number, perHour: number, tz: string, profile: DayProfile, depth: number): number[] {
  const mean = profile.reduce((a, b) => a + b, 0) / 24;
  const times: number[] = [];
  let hourFactor = 1;
  for (let minute = Math.floor(from / MINUTE) * MINUTE; minute < to; minute += MINUTE) {
    if (minute % HOUR === 0 || minute === Math.floor(from / MINUTE) * MINUTE) {
      hourFactor = 1 - depth + (depth * profile[clock.hour(tz, minute)]!) / mean;
    }
    const n = rng.poisson((perHour / 60) * hourFactor);
    for (let i = 0; i < n; i++) {
      const t = minute + Math.floor(rng.next() * MINUTE);
      if (t >= from && t < to) times.push(t);
    }
  }
  return times.sort((a, b) => a - b);
}
