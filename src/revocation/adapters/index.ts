/**
 * One adapter per wire protocol; `createAdapter` picks it by the target's `type`.
 */
import type { NamedAdapter, RevocationTargetConfig } from './http.js';
import { createRfc7009Adapter } from './rfc7009.js';
import { createThreescaleAppAdapter, createThreescalePatAdapter } from './threescale.js';
import { createWebhookAdapter } from './webhook.js';
import { createWso2ApiKeyAdapter } from './wso2.js';

export function createAdapter(name: string, target: RevocationTargetConfig): NamedAdapter {
  switch (target.type) {
    case 'rfc7009':
      return createRfc7009Adapter(name, target);
    case 'threescale_pat':
      return createThreescalePatAdapter(name, target);
    case 'threescale_app':
      return createThreescaleAppAdapter(name, target);
    case 'wso2_apikey':
      return createWso2ApiKeyAdapter(name, target);
    case 'webhook':
      return createWebhookAdapter(name, target);
    default: {
      const unknown: never = target;
      throw new Error(`unknown revocation target type: ${(unknown as { type: string }).type}`);
    }
  }
}

export type { Adapter, AttemptOutcome, RevocationTask } from './types.js';
export type { NamedAdapter, RevocationTargetConfig, TargetConfig } from './http.js';
export { parseRetryAfter, pathSegment } from './http.js';
export { basicAuthorization, createRfc7009Adapter } from './rfc7009.js';
export { createThreescaleAppAdapter, createThreescalePatAdapter } from './threescale.js';
export { createWso2ApiKeyAdapter } from './wso2.js';
export {
  createWebhookAdapter,
  signWebhook,
  verifyWebhookSignature,
  webhookEventOf,
  ID_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  type WebhookBody,
  type WebhookEvent,
} from './webhook.js';
