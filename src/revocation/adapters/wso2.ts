/**
 * WSO2 API Manager Developer Portal API v3: revoke an API key of an application.
 * `POST {base_url}/api/am/devportal/v3/applications/{appId}/api-keys/{keyType}/revoke`
 * with `{"apikey": "…"}` and a bearer token holding scope `apim:api_key`; 200, empty body.
 */
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
  type NamedAdapter,
  type TargetConfig,
} from './http.js';

export function createWso2ApiKeyAdapter(name: string, target: TargetConfig<'wso2_apikey'>): NamedAdapter {
  return {
    name,
    type: 'wso2_apikey',
    needsToken: true,
    attempt: guarded([target.bearer_token], async (task, signal) => {
      if (!task.token) return { kind: 'failed', error: 'no_revocation_handle' };
      if (!task.app_id) return { kind: 'failed', error: 'missing_app_id' };
      const appSegment = pathSegment(task.app_id);
      if (!appSegment) return { kind: 'failed', error: 'invalid_app_id' };
      const path = `/api/am/devportal/v3/applications/${appSegment}/api-keys/${target.key_type}/revoke`;
      const sent = await exchange(
        joinUrl(target.base_url, path),
        {
          method: 'POST',
          headers: {
            accept: 'application/json',
            'content-type': 'application/json',
            authorization: `Bearer ${target.bearer_token}`,
          },
          body: JSON.stringify({ apikey: task.token }),
        },
        signal,
        target.timeout_ms,
      );
      if (!sent.ok) return sent.outcome;

      const { answer } = sent;
      const { status } = answer;
      if (status >= 200 && status < 300) return done(answer, 'API key revoked');
      if (status >= 300 && status < 400) return redirected(answer);
      if (isRetryableStatus(status)) return retry(answer);
      if (status === 401 || status === 403) {
        return failed(answer, { alarm: true, why: 'the bearer token was refused (it needs scope apim:api_key)' });
      }
      if (status === 404) return failed(answer, { why: 'unknown application or key type' });
      return failed(answer);
    }),
  };
}
