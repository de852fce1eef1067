/**
 * Signed HTTP POST to anything else: the receiver does the revoking (or just learns of it).
 * The body names the token by fingerprint only, never by value.
 *
 * Signature: `X-Tokenwatch-Signature: v1=<hex HMAC-SHA-256(secret, timestamp + "." + body)>`
 * with `X-Tokenwatch-Timestamp: <unix seconds>`; `X-Tokenwatch-Id` is the revocation id, the
 * receiver's idempotency key (a retry sends the same id with a new timestamp and signature).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { RevocationTask } from './types.js';
import {
  done,
  exchange,
  failed,
  guarded,
  isRetryableStatus,
  redirected,
  retry,
  type NamedAdapter,
  type TargetConfig,
} from './http.js';

export const SIGNATURE_HEADER = 'x-tokenwatch-signature';
export const TIMESTAMP_HEADER = 'x-tokenwatch-timestamp';
export const ID_HEADER = 'x-tokenwatch-id';
/** How far a receiver lets a signed timestamp drift from its clock, by default (replay window). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export type WebhookEvent = 'revocation' | 'notify';

export interface WebhookBody {
  event: WebhookEvent;
  revocation_id: string;
  token_fingerprint: string;
  token_type: string | null;
  app_id: string | null;
  payload: Record<string, unknown> | null;
  sent_at: string;
}

/** `notify` when the task's payload says `"event": "notify"` (a notify policy); otherwise `revocation`. */
export function webhookEventOf(task: RevocationTask): WebhookEvent {
  return task.payload?.event === 'notify' ? 'notify' : 'revocation';
}

/** The signature header's value for a timestamp (unix seconds) and the exact body bytes. */
export function signWebhook(secret: string, timestamp: number | string, body: string | Uint8Array): string {
  return `v1=${hmacHex(secret, String(timestamp), body)}`;
}

function hmacHex(secret: string, timestamp: string, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/**
 * For receivers (and tests): true when `header` carries a `v1=` signature of `timestamp.body`
 * under `secret`, compared in constant time, and the timestamp is within `toleranceSeconds`
 * of now. Several comma-separated `v1=` values are accepted, for secret rotation.
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string | number | null | undefined,
  body: string | Uint8Array,
  header: string | null | undefined,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  if (timestamp === null || timestamp === undefined || !header) return false;
  const ts = String(timestamp).trim();
  if (!/^\d{1,15}$/.test(ts) || Math.abs(nowSeconds - Number(ts)) > toleranceSeconds) return false;
  const expected = Buffer.from(hmacHex(secret, ts, body), 'hex');
  let match = false;
  for (const part of header.split(',')) {
    const [scheme, value] = part.trim().split('=', 2);
    if (scheme !== 'v1' || value === undefined || !/^[0-9a-fA-F]{64}$/.test(value)) continue;
    // No early exit: every candidate is compared, so timing does not tell which one matched.
    if (timingSafeEqual(Buffer.from(value, 'hex'), expected)) match = true;
  }
  return match;
}

export function createWebhookAdapter(name: string, target: TargetConfig<'webhook'>): NamedAdapter {
  return {
    name,
    type: 'webhook',
    needsToken: false,
    attempt: guarded([target.secret], async (task, signal) => {
      const message: WebhookBody = {
        event: webhookEventOf(task),
        revocation_id: task.revocation_id,
        token_fingerprint: task.token_fingerprint,
        token_type: task.token_type ?? null,
        app_id: task.app_id ?? null,
        payload: task.payload ?? null,
        sent_at: new Date().toISOString(),
      };
      const body = withoutToken(JSON.stringify(message), task.token);
      const timestamp = Math.floor(Date.now() / 1000);
      const sent = await exchange(
        target.url,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [TIMESTAMP_HEADER]: String(timestamp),
            [SIGNATURE_HEADER]: signWebhook(target.secret, timestamp, body),
            [ID_HEADER]: task.revocation_id,
          },
          body,
        },
        signal,
        target.timeout_ms,
      );
      if (!sent.ok) return sent.outcome;

      const { answer } = sent;
      const { status } = answer;
      if (status >= 200 && status < 300) return done(answer, 'receiver acknowledged');
      if (status >= 300 && status < 400) return redirected(answer);
      if (isRetryableStatus(status)) return retry(answer);
      if (status === 401 || status === 403) {
        return failed(answer, { alarm: true, why: 'the receiver refused us (does it have the same secret?)' });
      }
      return failed(answer);
    }),
  };
}

/** Belt and braces: should a payload quote the raw token, it leaves as `[redacted]`. */
function withoutToken(json: string, token: string | undefined): string {
  if (!token) return json;
  const inJson = JSON.stringify(token).slice(1, -1);
  return inJson ? json.split(inJson).join('[redacted]') : json;
}
