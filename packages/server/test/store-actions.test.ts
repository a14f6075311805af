import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../src/core/ids.js';
import type { AuditRecord, SecurityStore } from '../src/core/ports/security-store.js';
import type { AttachmentRecord, NewMessage, Store } from '../src/core/ports/store.js';
import { securityStoreFor } from '../src/store/security-kysely-store.js';
import { createTestStore, DIALECTS, type TestStore } from './helpers/dialects.js';
import { seedPair } from './helpers/store-pair.js';

const NOW = '2026-01-05T10:00:00.000Z';

/** SQLite in memory appends in-thread, SQLite on a file on its writer thread: both must keep the rules. */
const VARIANTS = [
  ...DIALECTS.map((dialect) => ({ name: dialect, dialect, file: false })),
  { name: 'sqlite file (writer thread)', dialect: 'sqlite' as const, file: true },
];

/**
 * One action, one transaction (issue 11): a message, the binding of its attachments and its audit
 * row commit together or not at all, in the group commit; other actions' writes and audit rows
 * commit together in `Store.transaction`.
 */
describe.each(VARIANTS)('actions commit whole on $name', ({ dialect, file }) => {
  let testStore: TestStore;
  let store: Store;
  let security: SecurityStore;

  beforeEach(async () => {
    testStore = await createTestStore(
      dialect,
      file ? { sqliteFile: join(mkdtempSync(join(tmpdir(), 'carechat-actions-')), 'db.sqlite') } : {},
    );
    store = testStore.store;
    security = securityStoreFor(store);
  });
  afterEach(async () => {
    await testStore.dispose();
  });

  const pair = () => seedPair(store, NOW);

  function auditRow(fields: Partial<AuditRecord> = {}): AuditRecord {
    return {
      id: newId('aud'),
      at: NOW,
      action: 'message.sent',
      outcome: 'ok',
      code: null,
      actorId: null,
      actorRole: null,
      sessionId: null,
      door: null,
      address: null,
      conversationId: null,
      messageId: null,
      targetUserId: null,
      detail: null,
      ...fields,
    };
  }

  async function upload(conversationId: string, uploaderId: string): Promise<AttachmentRecord> {
    const record: AttachmentRecord = {
      id: newId('att'),
      conversationId,
      uploaderId,
      name: 'scan.png',
      contentType: 'image/png',
      size: 10,
      storageKey: newId('key'),
      messageId: null,
      createdAt: NOW,
    };
    await store.transaction((tx) => tx.messages.insertAttachment(record));
    return record;
  }

  function message(conversationId: string, senderId: string, fields: Partial<NewMessage> = {}): NewMessage {
    const id = fields.id ?? newId('msg');
    return {
      id,
      conversationId,
      senderId,
      clientMsgId: newId('c'),
      content: 'hello',
      replyTo: null,
      attachments: [],
      createdAt: NOW,
      audit: auditRow({ actorId: senderId, conversationId, messageId: id }),
      ...fields,
    };
  }

  const asRef = (a: AttachmentRecord) => ({
    id: a.id,
    name: a.name,
    content_type: a.contentType,
    size: a.size,
  });
  const auditOf = (conversationId: string) => security.queryAuditEvents({ conversationId }, 50);

  it('stores a message with its attachments bound and its audit row, and a retry writes neither again', async () => {
    const { conversationId, a } = await pair();
    const attachment = await upload(conversationId, a);
    const input = message(conversationId, a, { attachments: [asRef(attachment)] });
    const first = await store.appendMessage(input);
    expect(first.created).toBe(true);
    const [bound] = await store.findAttachments([attachment.id]);
    expect(bound!.messageId).toBe(input.id);
    expect((await auditOf(conversationId)).map((e) => e.messageId)).toEqual([input.id]);

    const retry = await store.appendMessage({
      ...input,
      id: newId('msg'),
      audit: auditRow({ conversationId }),
    });
    expect(retry).toMatchObject({ created: false, message: { id: input.id, seq: 1 } });
    expect(await auditOf(conversationId)).toHaveLength(1);
  });

  it('commits nothing of a send whose audit row fails to write', async () => {
    const { conversationId, a } = await pair();
    const attachment = await upload(conversationId, a);
    // An audit row with this id exists already: the message's audit row cannot be inserted.
    const taken = auditRow({ conversationId });
    await store.transaction((tx) => tx.appendAudit([taken]));
    const input = message(conversationId, a, { attachments: [asRef(attachment)], audit: taken });

    await expect(store.appendMessage(input)).rejects.toThrow();
    expect(await store.findMessage(input.id)).toBeUndefined();
    expect((await store.findConversation(conversationId))!.lastSeq).toBe(0);
    expect((await store.findAttachments([attachment.id]))[0]!.messageId).toBeNull();

    // No seq was consumed: the next message is 1.
    const next = await store.appendMessage(message(conversationId, a));
    expect(next.message.seq).toBe(1);
  });

  it('commits nothing of a send whose attachment cannot be bound', async () => {
    const { conversationId, a, b } = await pair();
    const mine = await upload(conversationId, a);
    const theirs = await upload(conversationId, b);
    const input = message(conversationId, a, { attachments: [asRef(mine), asRef(theirs)] });

    await expect(store.appendMessage(input)).rejects.toThrow();
    expect(await store.findMessage(input.id)).toBeUndefined();
    expect((await store.findConversation(conversationId))!.lastSeq).toBe(0);
    expect((await store.findAttachments([mine.id]))[0]!.messageId).toBeNull();
    expect(await auditOf(conversationId)).toEqual([]);
  });

  it('fails only the send that cannot be written when it shares a batch with others', async () => {
    const { conversationId, a, b } = await pair();
    const theirs = await upload(conversationId, b);
    const before = message(conversationId, a, { content: 'one' });
    const bad = message(conversationId, a, { attachments: [asRef(theirs)] });
    const after = message(conversationId, a, { content: 'two' });
    const results = await Promise.allSettled([before, bad, after].map((m) => store.appendMessage(m)));

    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const seqs = (await store.listMessagesAfter(conversationId, 0, 10)).map((m) => [m.id, m.seq]);
    expect(seqs).toEqual([
      [before.id, 1],
      [after.id, 2],
    ]);
    expect((await auditOf(conversationId)).map((e) => e.messageId).sort()).toEqual(
      [before.id, after.id].sort(),
    );
    expect((await store.findAttachments([theirs.id]))[0]!.messageId).toBeNull();
  });

  it('rolls back every write of a transaction, audit rows included, when the action throws', async () => {
    const { conversationId, a } = await pair();
    const { message: stored } = await store.appendMessage(message(conversationId, a, { audit: undefined }));
    const edit = auditRow({ action: 'message.edited', conversationId, messageId: stored.id });
    await expect(
      store.transaction(async (tx) => {
        await tx.messages.recordMessageEdit({
          id: newId('edt'),
          messageId: stored.id,
          editorId: a,
          kind: 'edit',
          previousContent: stored.content,
          createdAt: NOW,
        });
        await tx.messages.updateMessageContent(stored.id, 'changed', NOW);
        await tx.appendAudit([edit]);
        throw new Error('the action changed its mind');
      }),
    ).rejects.toThrow('the action changed its mind');
    expect((await store.findMessage(stored.id))!.content).toBe('hello');
    expect(await store.listMessageEdits(stored.id)).toEqual([]);
    expect(await auditOf(conversationId)).toEqual([]);
  });

  it('refuses a second 1:1 of the same pair inside a transaction, writing nothing of it', async () => {
    const { a, b } = await pair();
    const id = newId('cnv');
    await expect(
      store.transaction(async (tx) => {
        await tx.conversations.insertConversation(
          {
            id,
            kind: 'direct',
            directKey: `${a}:${b}`,
            appointmentId: null,
            createdBy: a,
            createdAt: NOW,
            lastSeq: 0,
            lastActivityAt: NOW,
          },
          [],
        );
        await tx.appendAudit([auditRow({ action: 'conversation.created', conversationId: id })]);
      }),
    ).rejects.toMatchObject({ name: 'StoreConflictError' });
    expect(await store.findConversation(id)).toBeUndefined();
    expect(await auditOf(id)).toEqual([]);
  });
});
