/**
 * OAuth 2.0 Token Revocation (RFC 7009): POST the token, form-encoded, with client
 * authentication. The server answers 200 for a revoked, unknown or already invalid token
 * alike, so 200 is `done` without telling which.
 */
import type { AttemptOutcome } from './types.js';
import {
  done,
  exchange,
  failed,
  formEncode,
  guarded,
  isRetryableStatus,
  oauthErrorCode,
  redirected,
  retry,
  type HttpAnswer,
  type NamedAdapter,
  type TargetConfig,
} from './http.js';

/** The hints RFC 7009 §2.1 defines; any other token type is sent without a hint. */
const HINTS = new Set(['access_token', 'refresh_token']);
/** Errors that mean our client registration or credentials are wrong: an operator must act. */
const CLIENT_ERRORS = new Set(['invalid_client', 'unauthorized_client']);

/**
 * HTTP Basic client authentication as RFC 6749 §2.3.1 wants it: client id and secret are
 * form-urlencoded before they are joined with ':' and base64-encoded, so a ':' or '%' in a
 * secret survives.
 */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`, 'utf8').toString('base64')}`;
}

export function createRfc7009Adapter(name: string, target: TargetConfig<'rfc7009'>): NamedAdapter {
  return {
    name,
    type: 'rfc7009',
    needsToken: true,
    attempt: guarded([target.client_secret], async (task, signal) => {
      if (!task.token) return { kind: 'failed', error: 'no_revocation_handle' };

      const form = new URLSearchParams({ token: task.token });
      if (task.token_type !== undefined && HINTS.has(task.token_type)) form.set('token_type_hint', task.token_type);
      const headers: Record<string, string> = {
        accept: 'application/json',
        'content-type': 'application/x-www-form-urlencoded',
      };
      if (target.auth_method === 'client_secret_post') {
        form.set('client_id', target.client_id);
        form.set('client_secret', target.client_secret);
      } else {
        headers.authorization = basicAuthorization(target.client_id, target.client_secret);
      }

      const sent = await exchange(target.url, { method: 'POST', headers, body: form.toString() }, signal, target.timeout_ms);
      return sent.ok ? classify(sent.answer) : sent.outcome;
    }),
  };
}

function classify(answer: HttpAnswer): AttemptOutcome {
  const { status } = answer;
  if (status >= 200 && status < 300) return done(answer, 'revoked (or already invalid: RFC 7009 does not tell)');
  if (status >= 300 && status < 400) return redirected(answer);
  if (isRetryableStatus(status)) return retry(answer);
  const code = oauthErrorCode(answer);
  if (status === 401 || status === 403 || (code !== undefined && CLIENT_ERRORS.has(code))) {
    return failed(answer, { alarm: true, why: 'the server rejected our client credentials' });
  }
  if (status === 404 || status === 405) return failed(answer, { alarm: true, why: 'no revocation endpoint at the target URL' });
  // 400 unsupported_token_type, invalid_request and the rest: final, in the server's words.
  return failed(answer);
}
