import type { Readable } from 'node:stream';
import {
  conversationSettingsBodySchema,
  emojiSchema,
  readBodySchema,
  searchQuerySchema,
  text,
} from '@carechat/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CoreError } from '../../core/errors.js';
import type { Core } from '../../core/index.js';
import { requestActor } from './request-actor.js';
import { parse } from './validate.js';

const idParams = z.object({ id: text().min(1).max(64) });
const reactionParams = z.object({ id: text().min(1).max(64), emoji: emojiSchema });
const typingBody = z.object({ is_typing: z.boolean() });

/** Mute/pin, typing, delivery, unread totals, reactions, search and attachments over HTTP. */
export function registerLiveRoutes(app: FastifyInstance, core: Core): void {
  app.patch('/api/conversations/:id', async (request) => {
    const actor = await requestActor(core, request);
    const { id } = parse(idParams, request.params);
    const settings = parse(conversationSettingsBodySchema, request.body);
    return { conversation: await core.conversations.updateSettings(actor, id, settings) };
  });

  app.post('/api/conversations/:id/typing', async (request, reply) => {
    const actor = await requestActor(core, request);
    const { id } = parse(idParams, request.params);
    const { is_typing } = parse(typingBody, request.body);
    // An HTTP client's "connection" is its session: its rate limit and clean-up follow that.
    await core.typing.set(actor, id, is_typing, `http:${actor.sessionId}`);
    return reply.status(204).send();
  });

  app.post('/api/conversations/:id/delivered', async (request) => {
    const actor = await requestActor(core, request);
    const { id } = parse(idParams, request.params);
    const { seq } = parse(readBodySchema, request.body);
    return {
      conversation_id: id,
      last_delivered_seq: await core.receipts.markDelivered(actor, { conversationId: id, seq }),
    };
  });

  app.get('/api/unread', async (request) => {
    const actor = await requestActor(core, request);
    return core.receipts.unread(actor);
  });

  app.put('/api/messages/:id/reactions/:emoji', async (request, reply) => {
    const actor = await requestActor(core, request);
    const { id, emoji } = parse(reactionParams, request.params);
    await core.reactions.add(actor, id, emoji);
    return reply.status(204).send();
  });

  app.delete('/api/messages/:id/reactions/:emoji', async (request, reply) => {
    const actor = await requestActor(core, request);
    const { id, emoji } = parse(reactionParams, request.params);
    await core.reactions.remove(actor, id, emoji);
    return reply.status(204).send();
  });

  app.get('/api/search', async (request) => {
    const actor = await requestActor(core, request);
    return core.search.search(actor, parse(searchQuerySchema, request.query));
  });

  app.post('/api/conversations/:id/attachments', async (request, reply) => {
    const actor = await requestActor(core, request);
    const { id } = parse(idParams, request.params);
    if (!request.isMultipart())
      throw new CoreError('invalid_request', 'Upload the file as multipart/form-data.');
    // Limits and participation before a byte of the body is read: a refused upload is not received.
    const declared = Number(request.headers['content-length'] ?? 0);
    const atLeast = Number.isFinite(declared) ? declared - MULTIPART_FRAMING_BYTES : 0;
    const pending = await core.attachments.checkUpload(actor, id, atLeast);
    const file = await request.file();
    if (!file) throw new CoreError('invalid_request', 'No file in the upload.');
    const attachment = await pending.store({ name: file.filename, chunks: sizeChecked(file.file) });
    return reply.status(201).send({ attachment });
  });

  app.get('/api/attachments/:id', async (request, reply) => {
    const actor = await requestActor(core, request);
    const { id } = parse(idParams, request.params);
    const { attachment, bytes } = await core.attachments.download(actor, id);
    return reply
      .header('content-type', attachment.content_type)
      .header('content-length', String(bytes.length))
      .header('content-disposition', `attachment; filename="${encodeURIComponent(attachment.name)}"`)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'private, no-store')
      .send(Buffer.from(bytes));
  });
}

/**
 * What a multipart body may spend on boundaries and part headers around one file: a body longer
 * than the limit plus this surely holds a file over the limit.
 */
const MULTIPART_FRAMING_BYTES = 64 * 1024;

/** The file's bytes as they arrive; the multipart size limit becomes the catalogue's error. */
async function* sizeChecked(file: Readable & { truncated?: boolean }): AsyncGenerator<Uint8Array> {
  // Past the limit the parser drops the rest of the part and waits for its end, which a client
  // can hold back: end the read now.
  file.once('limit', () => file.destroy(tooLarge()));
  try {
    for await (const chunk of file) {
      // The limit may have been met while this chunk was buffered, before the listener was there.
      if (file.truncated) throw tooLarge();
      yield chunk;
    }
  } catch (error) {
    if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge();
    throw error;
  }
  if (file.truncated) throw tooLarge();
}

function tooLarge(): CoreError {
  return new CoreError('message_too_large', 'The file is larger than the server allows.');
}
