import { type ClientFrame, decodeClientFrameValue } from '@carechat/protocol';
import type { FastifyInstance } from 'fastify';
import type { Actor } from '../../core/actor.js';
import { CoreError } from '../../core/errors.js';
import type { Core } from '../../core/index.js';
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
    const { status, body } = await apply(core, actor, decoded.frame);
    return reply.status(status).send(body);
  });
}

async function apply(
  core: Core,
  actor: Actor,
  frame: ClientFrame,
): Promise<{ status: number; body: unknown }> {
  // An HTTP client's "connection" is its session: typing's rate limit and clean-up follow that,
  // as on POST /api/conversations/:id/typing.
  const connectionId = `http:${actor.sessionId}`;
  switch (frame.type) {
    case 'chat_message': {
      const { message, created } = await core.messages.send(actor, required(frame.conversation_id), {
        clientMsgId: frame.client_msg_id,
        content: frame.content,
        replyTo: frame.reply_to,
        attachments: frame.attachments,
      });
      return { status: created ? 201 : 200, body: { message } };
    }
    case 'typing_indicator':
      await core.typing.set(actor, required(frame.conversation_id), frame.is_typing, connectionId);
      return { status: 200, body: {} };
    case 'read_receipt':
      return {
        status: 200,
        body: await core.receipts.markRead(actor, {
          conversationId: frame.conversation_id,
          seq: frame.seq,
          messageId: frame.message_id,
        }),
      };
    case 'delivery_receipt': {
      const conversationId = required(frame.conversation_id);
      const seq = await core.receipts.markDelivered(actor, { conversationId, seq: frame.seq });
      return { status: 200, body: { conversation_id: conversationId, last_delivered_seq: seq } };
    }
    case 'add_reaction':
      await core.reactions.add(actor, frame.message_id, frame.emoji);
      return { status: 200, body: {} };
    case 'remove_reaction':
      await core.reactions.remove(actor, frame.message_id, frame.emoji);
      return { status: 200, body: {} };
    case 'edit_message':
      return {
        status: 200,
        body: { message: await core.messages.edit(actor, frame.message_id, frame.content) },
      };
    case 'delete_message':
      return { status: 200, body: { message: await core.messages.delete(actor, frame.message_id) } };
    case 'ping':
      return { status: 200, body: { type: 'pong' } };
    case 'resume':
      throw new CoreError('invalid_request', 'Over HTTP, resume by passing the cursor to /api/events.');
  }
}

function required(conversationId: string | undefined): string {
  if (conversationId === undefined) throw new CoreError('invalid_request', 'conversation_id is required.');
  return conversationId;
}
