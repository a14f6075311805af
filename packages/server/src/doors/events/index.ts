import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/index.js';
import type { LiveLayer } from '../../live/live-layer.js';
import { registerFrameRoute } from './frame-route.js';
import { OpenChannels } from './open-channels.js';
import { registerPollRoute } from './poll-route.js';
import { registerSseRoute } from './sse-route.js';

export interface EventDoors {
  /** Ends every open stream and answers every waiting poll; new ones get 503. */
  close(): Promise<void>;
  readonly openCount: number;
}

/** The fallback doors: Server-Sent Events, long-polling, and client frames over HTTP POST. */
export function registerEventDoors(app: FastifyInstance, core: Core, live: LiveLayer): EventDoors {
  const channels = new OpenChannels();
  registerSseRoute(app, core, live, channels);
  registerPollRoute(app, core, live, channels);
  registerFrameRoute(app, core);
  return {
    close: () => live.drain(['sse', 'poll'], () => channels.closeAll()),
    get openCount() {
      return channels.size;
    },
  };
}
