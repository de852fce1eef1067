/** Bodies of batch endpoints stay bytes until parsed: NDJSON lines are reported one by one. */
import type { FastifyInstance } from 'fastify';

export const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/json-seq'];

export function registerBatchBodies(scope: FastifyInstance): void {
  scope.removeContentTypeParser(['application/json']);
  scope.addContentTypeParser(['application/json', ...NDJSON_TYPES], { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
}

export function isNdjson(contentType: string | undefined): boolean {
  return NDJSON_TYPES.includes((contentType ?? '').split(';')[0]!.trim().toLowerCase());
}
