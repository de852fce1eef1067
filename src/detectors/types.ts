/**
 * What a detector is: a named unit that reads a time range (and baselines from the
 * rollups) and returns findings, each for one subject and one window. Every threshold is
 * a named constant with a one-line reason, overridable in the config.
 */
import { z } from 'zod';
import type { DetectorName } from '../config.js';
import type { Warehouse } from '../warehouse/warehouse.js';

export const SEVERITY_ORDER = { low: 1, medium: 2, high: 3, critical: 4 } as const;
export type Severity = keyof typeof SEVERITY_ORDER;
/** `network`: a /24 (IPv4) or /48 (IPv6) in CIDR form, e.g. 203.0.113.0/24. */
export type SubjectType = 'token' | 'app' | 'user' | 'ip' | 'network';

export interface Threshold {
  value: number;
  /** Why this value: one line a reviewer can argue with. */
  reason: string;
}

export interface Finding {
  subject_type: SubjectType;
  subject: string;
  token_fingerprint?: string;
  app_id?: string;
  user_id?: string;
  window_start: Date;
  window_end: Date;
  severity: Severity;
  score: number;
  /** One sentence a security analyst understands at a glance. */
  explanation: string;
  /** Baseline and observed figures, and the IPs, places and times involved. */
  evidence: Record<string, unknown>;
}

export interface DetectionRange {
  from: Date;
  to: Date;
  /** Findings are per window of this many milliseconds, aligned to the epoch. */
  windowMs: number;
  /**
   * Scheduled ticks only: the windows before `before` were examined by earlier ticks, so
   * there only the windows with events the last tick may not have seen (late events) are
   * examined again, each with all of its token's events: per earlier window, the tokens
   * with late events in it; `tokens` all of them. Without it the whole range is examined.
   */
  recheck?: { before: Date; windows: { start: Date; tokens: string[] }[]; tokens: string[] };
}

/**
 * Late tokens go to the engine as the first 16 hex digits (64 bits) of their fingerprint:
 * a quarter of the text to bind for thousands of tokens, every query. A prefix shared by
 * another token only adds that token's window to the examination, never hides one.
 */
const PREFIX = 16;
const prefixed = (token: string) => `left(${token}, ${PREFIX})`;

/**
 * SQL condition (with a leading AND) keeping the rows a detector must examine: all of the
 * window(s) from `recheck.before` on, and in each earlier window the rows of its late
 * tokens. `time` is the row's time column, `token` its token expression; bind
 * focusParams(range).
 */
export function focusSql(range: Focus, time: string, token = 'token_fingerprint'): string {
  return range.recheck ? ` AND ${focusCondition(range, time, token)}` : '';
}

/**
 * The same condition as an expression (`1` without a recheck), for queries that read more
 * rows than the focus keeps and judge a group by whether any of its rows is in focus.
 */
export function focusCondition(range: Focus, time: string, token = 'token_fingerprint'): string {
  if (!range.recheck) return '1';
  const late = range.recheck.windows.map(
    (_, i) => `(${time} >= {recheck_from_${i}:DateTime64(3)} AND ${time} < {recheck_to_${i}:DateTime64(3)} AND ${prefixed(token)} IN {recheck_tokens_${i}:Array(String)})`,
  );
  return `(${[`${time} >= {recheck_before:DateTime64(3)}`, ...late].join(' OR ')})`;
}

/** The same for detectors that judge a token over more than its window: all windows of a late token. */
export function focusTokensSql(range: Focus, time: string, token = 'token_fingerprint'): string {
  return range.recheck ? ` AND (${time} >= {recheck_before:DateTime64(3)} OR ${lateTokenSql(token)})` : '';
}

/** SQL: the token is one of the late tokens (any window); bind focusParams(range). */
export function lateTokenSql(token = 'token_fingerprint'): string {
  return `${prefixed(token)} IN {recheck_tokens:Array(String)}`;
}

export function focusParams(range: DetectionRange): FocusParams {
  if (!range.recheck) return {};
  const cut = (tokens: string[]) => [...new Set(tokens.map((t) => t.slice(0, PREFIX)))];
  const params: FocusParams = { recheck_before: range.recheck.before, recheck_tokens: cut(range.recheck.tokens) };
  range.recheck.windows.forEach((w, i) => {
    params[`recheck_from_${i}`] = w.start;
    params[`recheck_to_${i}`] = new Date(w.start.getTime() + range.windowMs);
    params[`recheck_tokens_${i}`] = cut(w.tokens);
  });
  return params;
}

/** What the focus SQL depends on: whether there is a recheck, and how many earlier windows it has. */
export interface Focus {
  recheck?: { windows: readonly unknown[] };
}

/** The parameters focusParams() binds: recheck_before, recheck_tokens, and per window recheck_{from,to,tokens}_<i>. */
export type FocusParams = { recheck_before?: Date; recheck_tokens?: string[] } & { [key: `recheck_${string}`]: Date | string[] | undefined };

const FOCUS_WINDOW_PARAM = /^recheck_(?:from|to|tokens)_\d+$/;

/**
 * A defineQuery params schema: the query's own parameters and those of focusParams(range),
 * each checked (a window's bounds are dates, its tokens strings; any other name is refused).
 */
export function withFocus<S extends z.ZodRawShape>(shape: S) {
  const windowParam = z.union([z.date(), z.array(z.string())]);
  return z
    .looseObject(shape)
    .extend({ recheck_before: z.date().optional(), recheck_tokens: z.array(z.string()).optional() })
    .superRefine((params, ctx) => {
      for (const [key, value] of Object.entries(params)) {
        if (key in shape || key === 'recheck_before' || key === 'recheck_tokens') continue;
        if (!FOCUS_WINDOW_PARAM.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'not a parameter of this query' });
        else if (!windowParam.safeParse(value).success) ctx.addIssue({ code: 'custom', path: [key], message: 'a recheck window bound is a date, its tokens strings' });
      }
      const windows = Object.keys(params).filter((key) => key.startsWith('recheck_from_')).length;
      if (windows > 0 && params.recheck_before === undefined) ctx.addIssue({ code: 'custom', path: ['recheck_before'], message: 'a recheck window without recheck_before' });
      for (let i = 0; i < windows; i++) {
        if (!(`recheck_to_${i}` in params) || !(`recheck_tokens_${i}` in params)) ctx.addIssue({ code: 'custom', path: [`recheck_from_${i}`], message: 'an incomplete recheck window' });
      }
    });
}

/** The focus as a defineQuery SQL function sees it: from its checked parameters (withFocus). */
export function focusOf(params: Record<string, unknown>): Focus {
  if (params.recheck_before === undefined) return {};
  const windows = Object.keys(params).filter((key) => key.startsWith('recheck_from_')).length;
  return { recheck: { windows: Array.from({ length: windows }) } };
}

export interface DetectorRun<T extends Record<string, Threshold>> {
  warehouse: Warehouse;
  range: DetectionRange;
  /** Threshold values after config overrides. */
  t: { [K in keyof T]: number };
}

export interface Detector<T extends Record<string, Threshold> = Record<string, Threshold>> {
  name: DetectorName;
  /** What it flags, for the README, the API and the console. */
  description: string;
  thresholds: T;
  detect(run: DetectorRun<T>): Promise<Finding[]>;
}

export function defineDetector<T extends Record<string, Threshold>>(detector: Detector<T>): Detector<T> {
  return detector;
}

/** The start of the window containing `ms`. */
export function windowStart(ms: number, windowMs: number): number {
  return Math.floor(ms / windowMs) * windowMs;
}

/** Rounds for explanations: 312, 4.2, 0.35. */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return Number(n.toFixed(digits)).toLocaleString('en-US');
}

/** ClickHouse DateTime text (UTC) to a Date. */
export function chTime(text: string): Date {
  return new Date(`${text.replace(' ', 'T')}Z`);
}
