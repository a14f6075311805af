import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/index.js';
import { registerDjangoPollingRoutes } from './seed-000-django-polling/polling-routes.js';
import { registerSidebarRoutes } from './seed-001-channels-sidebar/sidebar-routes.js';

/**
 * The seed systems' HTTP profiles (docs/migration.md): each a codec of its client's routes over
 * the same core actions as /api. Their live profiles ride on the live doors (ws, Socket.IO).
 */
export async function registerSeedProfiles(app: FastifyInstance, core: Core): Promise<void> {
  await registerDjangoPollingRoutes(app, core);
  await registerSidebarRoutes(app, core);
}
