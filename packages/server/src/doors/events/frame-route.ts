import { decodeClientFrameValue } from '@carechat/protocol';
import type { FastifyInstance } from 'fastify';
import { CoreError } from '../../core/errors.js';
import type { Core } from '../../core/index.js';
import { dispatchFrame, type FrameOutcome } from '../../live/frame-actions.js';
import { requestActor } from '../http/request-actor.js';

/**
 * `POST /api/frames`: a client frame (the ones of /ws) over HTTP, for clients on the SSE or
 * long-poll transports. The answer is what the WebSocket would have sent back, as the body:
 * a stored message, a read marker, a pong, or an `{error}` with its status.
 */
export function registerFrameRoute(app: FastifyInstance, core: Core): void {
  app.post('/api/frames', async (request, reply) => {
    const actor = await requestActor(core, request);
    const decoded = decodeClientFrameValue(request.body);
    if (!decoded.ok) throw new CoreError('invalid_request', decoded.message);
    if (decoded.frame.type === 'resume') {
      throw new CoreError('invalid_request', 'Over HTTP, resume by passing the cursor to /api/events.');
    }
    // An HTTP client's "connection" is its session: rate limits and clean-up follow that.
    const outcome = await dispatchFrame(core, actor, decoded.frame, {
      connectionId: `http:${actor.sessionId}`,
    });
    const { status, body } = render(outcome);
    return reply.status(status).send(body);
  });
}

function render(outcome: FrameOutcome): { status: number; body: unknown } {
  switch (outcome.kind) {
    case 'sent':
      return { status: outcome.created ? 201 : 200, body: { message: outcome.message } };
    case 'changed':
      return { status: 200, body: { message: outcome.message } };
    case 'read':
      return { status: 200, body: outcome.result };
    case 'delivered':
      return {
        status: 200,
        body: { conversation_id: outcome.conversationId, last_delivered_seq: outcome.seq },
      };
    case 'pong':
      return { status: 200, body: { type: 'pong' } };
    case 'done':
      return { status: 200, body: {} };
  }
}
