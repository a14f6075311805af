import type { Attachment } from '@carechat/protocol';
import { accessConversation } from './access.js';
import type { Actor } from './actor.js';
import type { AuditLog } from './audit.js';
import { CoreError } from './errors.js';
import { newId } from './ids.js';
import type { KeyedLimiter } from './limits.js';
import type { AttachmentStorage } from './ports/attachment-storage.js';
import type { Clock } from './ports/clock.js';
import type { AttachmentRecord, Store } from './ports/store.js';

/** The allowlist: content types recognised by their first bytes, never by what the client claims. */
const SIGNATURES: ReadonlyArray<{ type: string; matches: (b: Uint8Array) => boolean }> = [
  { type: 'image/png', matches: (b) => starts(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { type: 'image/jpeg', matches: (b) => starts(b, [0xff, 0xd8, 0xff]) },
  {
    type: 'image/gif',
    matches: (b) => starts(b, [0x47, 0x49, 0x46, 0x38]) && (b[4] === 0x37 || b[4] === 0x39) && b[5] === 0x61,
  },
  {
    type: 'image/webp',
    matches: (b) => starts(b, [0x52, 0x49, 0x46, 0x46]) && starts(b.subarray(8), [0x57, 0x45, 0x42, 0x50]),
  },
  { type: 'application/pdf', matches: (b) => starts(b, [0x25, 0x50, 0x44, 0x46, 0x2d]) },
];

function starts(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((value, i) => bytes[i] === value);
}

export function sniffContentType(bytes: Uint8Array): string | undefined {
  return SIGNATURES.find((s) => s.matches(bytes))?.type;
}

/** Enough of the start of a file to recognise every allowed type. */
const SNIFF_BYTES = 16;

/** An upload the actor may make; its bytes follow. */
export interface PendingUpload {
  store(file: {
    name: string;
    chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  }): Promise<Attachment>;
}

function tooLarge(maxBytes: number): CoreError {
  return new CoreError('message_too_large', `Attachments are limited to ${maxBytes} bytes.`);
}

function toAsyncIterator(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncIterator<Uint8Array> | Iterator<Uint8Array> {
  return Symbol.asyncIterator in chunks ? chunks[Symbol.asyncIterator]() : chunks[Symbol.iterator]();
}

/** The first `count` bytes (or all, if fewer), and whether the source ended there. */
async function readHead(
  source: AsyncIterator<Uint8Array> | Iterator<Uint8Array>,
  count: number,
): Promise<{ bytes: Uint8Array; done: boolean }> {
  const parts: Uint8Array[] = [];
  let length = 0;
  while (length < count) {
    const next = await source.next();
    if (next.done) return { bytes: concat(parts, length), done: true };
    parts.push(next.value);
    length += next.value.length;
  }
  return { bytes: concat(parts, length), done: false };
}

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export interface AttachmentDeps {
  store: Store;
  clock: Clock;
  storage: AttachmentStorage;
  maxBytes: number;
  audit: AuditLog;
  /** Uploads per user (checked before anything else). */
  uploadLimit: KeyedLimiter;
}

/** Uploads into a conversation, readable only by its participants. */
export class AttachmentService {
  constructor(private readonly d: AttachmentDeps) {}

  /**
   * Whether the actor may upload into the conversation now: the upload limit, then participation.
   * Doors call it before they read a byte of the body, so a stranger's or a flood's uploads are
   * refused without being received.
   */
  async checkUpload(
    actor: Actor,
    conversationId: string,
    /** What the door knows the file is at least (a request's declared length less its framing). */
    atLeastBytes = 0,
  ): Promise<PendingUpload> {
    this.d.uploadLimit.take(actor.userId);
    await accessConversation(this.d.store, actor, conversationId);
    // Declared too large: refused before a byte is received, not when the stream passes the limit.
    if (atLeastBytes > this.d.maxBytes) throw tooLarge(this.d.maxBytes);
    return {
      store: (file) => this.store(actor, conversationId, file),
    };
  }

  /** An upload whose bytes are already in memory (checkUpload, then store). */
  async upload(
    actor: Actor,
    conversationId: string,
    file: { name: string; bytes: Uint8Array },
  ): Promise<Attachment> {
    const pending = await this.checkUpload(actor, conversationId);
    return pending.store({ name: file.name, chunks: [file.bytes] });
  }

  /**
   * Streams the file to the attachment storage, at most `maxBytes` of it: its type comes from its
   * first bytes (nothing else is stored), and a file over the limit is abandoned as soon as it
   * passes it.
   */
  private async store(
    actor: Actor,
    conversationId: string,
    file: { name: string; chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array> },
  ): Promise<Attachment> {
    const source = toAsyncIterator(file.chunks);
    const head = await readHead(source, SNIFF_BYTES);
    if (head.bytes.length === 0) throw new CoreError('invalid_request', 'The file is empty.');
    const contentType = sniffContentType(head.bytes);
    if (!contentType)
      throw new CoreError(
        'invalid_request',
        'Only images (PNG, JPEG, GIF, WebP) and PDF files are accepted.',
      );
    const id = newId('att');
    let size = 0;
    const maxBytes = this.d.maxBytes;
    async function* capped(): AsyncGenerator<Uint8Array> {
      size = head.bytes.length;
      if (size > maxBytes) throw tooLarge(maxBytes);
      yield head.bytes;
      if (head.done) return;
      for (;;) {
        const next = await source.next();
        if (next.done) return;
        size += next.value.length;
        if (size > maxBytes) throw tooLarge(maxBytes);
        yield next.value;
      }
    }
    await this.d.storage.put(id, capped());
    const record: AttachmentRecord = {
      id,
      conversationId,
      uploaderId: actor.userId,
      name: safeName(file.name),
      contentType,
      size,
      storageKey: id,
      messageId: null,
      createdAt: this.d.clock.now().toISOString(),
    };
    try {
      await this.d.store.transaction(async (tx) => {
        await tx.messages.insertAttachment(record);
        await tx.appendAudit([
          this.d.audit.entry(actor, 'attachment.uploaded', {
            conversationId,
            detail: { attachment_id: id, size: record.size },
          }),
        ]);
      });
    } catch (error) {
      await this.d.storage.remove?.(id).catch(() => {});
      throw error;
    }
    return { id, name: record.name, content_type: contentType, size: record.size };
  }

  async download(actor: Actor, attachmentId: string): Promise<{ attachment: Attachment; bytes: Uint8Array }> {
    const [record] = await this.d.store.findAttachments([attachmentId]);
    if (!record || record.deletedAt) throw new CoreError('not_found', 'No such attachment.');
    try {
      await accessConversation(this.d.store, actor, record.conversationId);
    } catch {
      throw new CoreError('not_found', 'No such attachment.');
    }
    const bytes = await this.d.storage.read(record.storageKey).catch((error: unknown) => {
      // The record outlived its bytes (removed from the bucket or folder by hand): gone, not a fault.
      if ((error as { code?: string }).code === 'ENOENT')
        throw new CoreError('not_found', 'No such attachment.');
      throw error;
    });
    this.d.audit.record(actor, 'attachment.downloaded', {
      conversationId: record.conversationId,
      detail: { attachment_id: attachmentId },
    });
    return {
      attachment: { id: record.id, name: record.name, content_type: record.contentType, size: record.size },
      bytes,
    };
  }
}

/**
 * Bidirectional controls (embeddings, overrides, isolates, LRM/RLM): "invoice\u202Efdp.exe" would
 * show as "invoiceexe.pdf".
 */
const BIDI_CONTROLS = /[\u200E\u200F\u202A-\u202E\u2066-\u2069]/gu;

/** A file name safe to show and to put in a header: no paths, no control characters, bounded. */
export function safeName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .replace(/[\p{Cc}"]/gu, '')
    .replace(BIDI_CONTROLS, '')
    .trim()
    .slice(0, 200);
  return cleaned || 'attachment';
}
