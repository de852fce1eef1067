/** The console's one API addition: which role the presented key has, so the UI shows only what the key may do. */
import { z } from 'zod';
import { ROLES } from '../config.js';
import type { App } from '../http/app-type.js';

export async function consoleApiRoutes(app: App): Promise<void> {
  app.get(
    '/v1/whoami',
    {
      // admin implies read, so every valid key passes; the auth hook sets request.role.
      config: { roles: ['ingest', 'idp', 'read'] },
      schema: {
        summary: 'The role of the presented API key',
        description: 'Any valid key: its role (ingest, idp, read or admin). The console calls it at login to decide what to show.',
        tags: ['console'],
        response: { 200: z.object({ role: z.enum(ROLES) }) },
      },
    },
    async (request) => ({ role: request.role! }),
  );
}
