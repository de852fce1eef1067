/**
 * Red Hat 3scale Account Management API: delete a personal access token, or suspend an
 * application. Admin API credentials travel as the `access_token` parameter.
 */
import type { AttemptOutcome } from './types.js';
import {
  done,
  exchange,
  failed,
  guarded,
  isRetryableStatus,
  joinUrl,
  pathSegment,
  redirected,
  retry,
  type HttpAnswer,
  type NamedAdapter,
  type TargetConfig,
} from './http.js';

/**
 * `DELETE {admin_url}/admin/api/personal/access_tokens/{token}.json?access_token=…`.
 * 3scale finds a personal token by its id or its value, so the token names itself; the
 * credential is the token too (single-use rotation: a token may delete itself) unless the
 * target has an `admin_access_token`.
 */
export function createThreescalePatAdapter(name: string, target: TargetConfig<'threescale_pat'>): NamedAdapter {
  const credentials = target.admin_access_token ? [target.admin_access_token] : [];
  return {
    name,
    type: 'threescale_pat',
    needsToken: true,
    attempt: guarded(credentials, async (task, signal) => {
      if (!task.token) return { kind: 'failed', error: 'no_revocation_handle' };
      const query = new URLSearchParams({ access_token: target.admin_access_token ?? task.token });
      const tokenSegment = pathSegment(task.token);
      if (!tokenSegment) return { kind: 'failed', error: 'invalid_token_for_url' };
      const url = joinUrl(target.admin_url, `/admin/api/personal/access_tokens/${tokenSegment}.json?${query}`);
      const sent = await exchange(url, { method: 'DELETE', headers: { accept: 'application/json' } }, signal, target.timeout_ms);
      if (!sent.ok) return sent.outcome;

      const { answer } = sent;
      if (answer.status >= 200 && answer.status < 300) return done(answer, 'personal access token deleted');
      if (answer.status === 404) return done(answer, 'personal access token already gone');
      if (answer.status === 401 || answer.status === 403) {
        const why = target.admin_access_token
          ? 'the admin access token was refused'
          : 'the token could not authorise its own deletion (expired, already deleted with its credential, or without a read-write Account Management API scope)';
        return failed(answer, { alarm: true, why });
      }
      return common(answer);
    }),
  };
}

/**
 * `PUT {admin_url}/admin/api/accounts/{account_id}/applications/{application_id}/suspend.xml`
 * with `access_token` in a form body. The account is the target's `accounts[app_id]`, else
 * its `account_id`, else 3scale's answer to applications/find.xml. Suspending an application that is already suspended
 * is not a failure: the state we want is the state it is in.
 */
export function createThreescaleAppAdapter(name: string, target: TargetConfig<'threescale_app'>): NamedAdapter {
  return {
    name,
    type: 'threescale_app',
    needsToken: false,
    attempt: guarded([target.admin_access_token], async (task, signal) => {
      if (!task.app_id) return { kind: 'failed', error: 'missing_app_id' };
      const appSegment = pathSegment(task.app_id);
      if (!appSegment) return { kind: 'failed', error: 'invalid_app_id' };
      // The account comes from configuration or from 3scale itself, never from the task:
      // a task's account id traces back to events a caller posted.
      let accountId = target.accounts[task.app_id] ?? target.account_id;
      if (accountId === undefined) {
        const found = await findAccount(target, appSegment, signal);
        if (found.kind !== 'found') return found.outcome;
        accountId = found.account;
      }
      const account = pathSegment(accountId);
      if (!account) return { kind: 'failed', error: 'invalid_account_id' };
      const path = `/admin/api/accounts/${account}/applications/${appSegment}/suspend.xml`;
      const sent = await exchange(
        joinUrl(target.admin_url, path),
        {
          method: 'PUT',
          headers: { accept: 'application/xml', 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ access_token: target.admin_access_token }).toString(),
        },
        signal,
        target.timeout_ms,
      );
      if (!sent.ok) return sent.outcome;

      const { answer } = sent;
      if (answer.status >= 200 && answer.status < 300) return done(answer, 'application suspended');
      if ((answer.status === 409 || answer.status === 422) && ALREADY_SUSPENDED.test(answer.body)) {
        return done(answer, 'application already suspended');
      }
      if (answer.status === 404) return failed(answer, { why: 'unknown account or application' });
      if (answer.status === 401 || answer.status === 403) return failed(answer, { alarm: true, why: 'the admin access token was refused' });
      return common(answer);
    }),
  };
}

type Found = { kind: 'found'; account: string } | { kind: 'not_found'; outcome: AttemptOutcome };

/**
 * `GET {admin_url}/admin/api/applications/find.xml?application_id=…`: 3scale's own answer
 * to whose application this is (`<user_account_id>`).
 */
async function findAccount(target: TargetConfig<'threescale_app'>, appSegment: string, signal: AbortSignal): Promise<Found> {
  const query = new URLSearchParams({ access_token: target.admin_access_token, application_id: decodeURIComponent(appSegment) });
  const sent = await exchange(joinUrl(target.admin_url, `/admin/api/applications/find.xml?${query}`), { method: 'GET', headers: { accept: 'application/xml' } }, signal, target.timeout_ms);
  if (!sent.ok) return { kind: 'not_found', outcome: sent.outcome };
  const { answer } = sent;
  if (answer.status >= 200 && answer.status < 300) {
    const account = /<user_account_id>\s*([0-9A-Za-z_-]{1,64})\s*<\/user_account_id>/.exec(answer.body)?.[1];
    if (account) return { kind: 'found', account };
    return { kind: 'not_found', outcome: failed(answer, { why: 'applications/find.xml named no user_account_id' }) };
  }
  if (answer.status === 404) return { kind: 'not_found', outcome: failed(answer, { why: 'unknown application (applications/find.xml)' }) };
  if (answer.status === 401 || answer.status === 403) return { kind: 'not_found', outcome: failed(answer, { alarm: true, why: 'the admin access token was refused' }) };
  return { kind: 'not_found', outcome: common(answer) };
}

/**
 * How 3scale refuses a suspension that has nothing to do: its state machine answers 422
 * `State cannot transition via "suspend"`; a 409 or a message about the state says the same.
 */
const ALREADY_SUSPENDED = /suspend|transition|state/i;

function common(answer: HttpAnswer): AttemptOutcome {
  if (answer.status >= 300 && answer.status < 400) return redirected(answer);
  if (isRetryableStatus(answer.status)) return retry(answer);
  return failed(answer);
}
