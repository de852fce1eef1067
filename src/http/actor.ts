/**
 * Who did it, as the audit records it. The caller may name a person (`actor`), but the
 * key that acted is always recorded beside it, and the names tokenwatch uses for its own
 * actions (`policy:<n>`, `detector:<name>`) cannot be claimed through the API: otherwise an
 * admin could write rows that read as automatic revocations (and, after a restart, count
 * against the automatic-revocation budget).
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';

const RESERVED = /^\s*(?:policy|detector)\s*:/i;

export const actorField = z
  .string()
  .min(1)
  .max(200)
  .refine((a) => !RESERVED.test(a), 'policy:… and detector:… actors are reserved for tokenwatch itself')
  .describe('who acted (a person, a ticket); the key that made the call is recorded with it');

/** `alice via key:3f2a…`, or `key:3f2a…` when no actor was named. */
export function actorOf(request: FastifyRequest, named: string | undefined): string {
  const key = `key:${request.keyId ?? `role:${request.role ?? 'unknown'}`}`;
  return named ? `${named.trim()} via ${key}` : key;
}

/** Only tokenwatch's own policies write automatic revocations; these match nothing a caller can store. */
export const AUTOMATIC_ACTOR = /^policy:[0-9]+$/;
