/**
 * The app type every routes module takes, apart from app.ts: app.ts imports the routes
 * modules, so their type cannot come from there without a circle.
 */
import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The app with zod schemas as its type provider; route modules take this. */
export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

/** A routes module: adds its routes to the app, given the parts it uses. */
export type RoutePlugin<Deps> = (app: App, deps: Deps) => Promise<void>;
