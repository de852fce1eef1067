/** Bodies of batch endpoints stay bytes until parsed: NDJSON lines are reported one by one. */
import type { FastifyInstance, FastifySchema, FastifySchemaCompiler } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';

export const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/json-seq'];

export function registerBatchBodies(scope: FastifyInstance): void {
  scope.removeContentTypeParser(['application/json']);
  scope.addContentTypeParser(['application/json', ...NDJSON_TYPES], { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
}

export function isNdjson(contentType: string | undefined): boolean {
  return NDJSON_TYPES.includes((contentType ?? '').split(';')[0]!.trim().toLowerCase());
}

/**
 * Route options for a batch endpoint: the OpenAPI document shows the body generated from
 * the event's zod schema (an array of events; NDJSON carries one per line), while the
 * handler still receives the bytes and validates each event itself, so one bad event is
 * reported by its index instead of failing the whole request.
 */
export function batchBody(event: z.ZodType): { body: z.ZodType; validatorCompiler: FastifySchemaCompiler<FastifySchema> } {
  return {
    body: z.array(event).describe('a JSON array of events (application/json), or one event per line (application/x-ndjson)'),
    validatorCompiler: (route) => (route.httpPart === 'body' ? (data: unknown) => ({ value: data }) : validatorCompiler(route as never)),
  };
}
