import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/index.js';
import { registerFrameRoute } from './frame-route.js';
import { OpenChannels } from './open-channels.js';
import { registerPollRoute } from './poll-route.js';
import { registerSseRoute } from './sse-route.js';

export interface EventDoors {
  /** Ends every open stream and answers every waiting poll; new ones get 503. */
  close(): void;
  readonly openCount: number;
}

/** The fallback doors: Server-Sent Events, long-polling, and client frames over HTTP POST. */
export function registerEventDoors(
  app: FastifyInstance,
  core: Core,
  options: { maxBufferBytes: number },
): EventDoors {
  const channels = new OpenChannels();
  registerSseRoute(app, core, channels, options);
  registerPollRoute(app, core, channels);
  registerFrameRoute(app, core);
  return {
    close: () => channels.closeAll(),
    get openCount() {
      return channels.size;
    },
  };
}
