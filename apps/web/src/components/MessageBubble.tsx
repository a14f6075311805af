import type { OutboxEntry } from '@carechat/client';
import {
  type Attachment,
  DELETED_MESSAGE_TEXT,
  type Message,
  quoteText,
  type ReceiptStatus,
  type ReplyPreview,
  replySnippet,
} from '@carechat/protocol';
import { useCarechatClient } from '@carechat/react';
import { memo, useEffect, useRef, useState } from 'react';
import { formatBytes, formatTime } from '../lib/format.js';
import { errorInWords, inWords } from '../lib/words.js';
import { Avatar } from './Avatar.js';
import { EditIcon, FileIcon, ReplyIcon, SmileIcon, Ticks, TrashIcon } from './icons.js';

const QUICK_REACTIONS = ['👍', '❤️', '😊', '🙏', '👌'];

interface BubbleProps {
  message: Message;
  /** The message its quote names, as it is now, when loaded (the preview was taken at send time). */
  quoted: Message | undefined;
  mine: boolean;
  /** For own messages: sent, delivered or read. */
  tick: ReceiptStatus | undefined;
  grouped: boolean;
  showName: boolean;
  canEdit: boolean;
  onReply: (message: Message) => void;
  onEdit: (message: Message) => void;
  onDelete: (message: Message) => void;
  onError: (text: string) => void;
}

/** A stored message: text or the deleted placeholder, quote, attachments, time, ticks, reactions, actions. */
export const MessageBubble = memo(function MessageBubble(props: BubbleProps) {
  const { message, quoted, mine, tick, grouped, showName, canEdit, onReply, onEdit, onDelete, onError } =
    props;
  const client = useCarechatClient();
  const [picking, setPicking] = useState(false);

  const toggleReaction = (emoji: string) => {
    setPicking(false);
    const had = message.reactions.some((r) => r.emoji === emoji && r.mine);
    const change = had
      ? client.removeReaction(message.message_id, emoji)
      : client.addReaction(message.message_id, emoji);
    change.catch((error) => onError(errorInWords(error)));
  };

  return (
    <li
      className={`msg ${mine ? 'mine' : 'theirs'} ${grouped ? 'grouped' : ''} ${message.is_deleted ? 'deleted' : ''}`}
      id={`msg-${message.message_id}`}
      data-seq={message.seq}
    >
      {!mine && (
        <span className="msg-avatar">{!grouped && <Avatar name={message.sender_name} size={30} />}</span>
      )}
      <div className="msg-body">
        {showName && <div className="msg-sender">{message.sender_name}</div>}
        <div className="bubble">
          <span className="sr-only">{mine ? 'You' : message.sender_name} said: </span>
          {message.reply_preview && !message.is_deleted && (
            <Quote preview={currentPreview(message.reply_preview, quoted)} />
          )}
          {message.is_deleted ? (
            <span className="deleted-text">{DELETED_MESSAGE_TEXT}</span>
          ) : (
            message.content && <span className="msg-text">{message.content}</span>
          )}
          {!message.is_deleted && message.attachments.length > 0 && (
            <Attachments attachments={message.attachments} />
          )}
          <span className="meta">
            {message.is_edited && !message.is_deleted && <span className="edited">edited</span>}
            <time dateTime={message.timestamp}>{formatTime(message.timestamp)}</time>
            {tick && <Ticks status={tick} />}
          </span>
        </div>
        {message.reactions.length > 0 && (
          <div className="reactions">
            {message.reactions.map((r) => (
              <button
                key={r.emoji}
                type="button"
                className={`reaction ${r.mine ? 'mine' : ''}`}
                aria-pressed={r.mine}
                aria-label={`${r.emoji} ${r.count}${r.mine ? ', including you' : ''}. ${r.mine ? 'Remove your reaction' : 'React'}`}
                onClick={() => toggleReaction(r.emoji)}
                disabled={message.is_deleted}
              >
                <span aria-hidden="true">{r.emoji}</span>
                <span className="reaction-count" aria-hidden="true">
                  {r.count}
                </span>
              </button>
            ))}
          </div>
        )}
        {!message.is_deleted && (
          <div className="msg-actions">
            <button
              type="button"
              className="icon-button small"
              aria-label="Reply"
              title="Reply"
              onClick={() => onReply(message)}
            >
              <ReplyIcon />
            </button>
            <button
              type="button"
              className="icon-button small"
              aria-label="React"
              title="React"
              aria-expanded={picking}
              onClick={() => setPicking(!picking)}
            >
              <SmileIcon />
            </button>
            {canEdit && (
              <button
                type="button"
                className="icon-button small"
                aria-label="Edit"
                title="Edit"
                onClick={() => onEdit(message)}
              >
                <EditIcon />
              </button>
            )}
            {mine && (
              <button
                type="button"
                className="icon-button small"
                aria-label="Delete"
                title="Delete"
                onClick={() => onDelete(message)}
              >
                <TrashIcon />
              </button>
            )}
            {picking && <ReactionPicker onPick={toggleReaction} onClose={() => setPicking(false)} />}
          </div>
        )}
      </div>
    </li>
  );
});

function ReactionPicker({ onPick, onClose }: { onPick: (emoji: string) => void; onClose: () => void }) {
  const first = useRef<HTMLButtonElement>(null);
  useEffect(() => first.current?.focus(), []);
  return (
    // biome-ignore lint/a11y/useSemanticElements: a small toolbar of emoji, closed with Escape
    <div
      className="reaction-picker"
      role="group"
      aria-label="Choose a reaction"
      onKeyDown={(e) => {
        if (e.key === 'Escape') onClose();
      }}
    >
      {QUICK_REACTIONS.map((emoji, i) => (
        <button
          key={emoji}
          ref={i === 0 ? first : undefined}
          type="button"
          aria-label={`React with ${emoji}`}
          onClick={() => onPick(emoji)}
        >
          {emoji}
        </button>
      ))}
    </div>
  );
}

/** The preview with the quoted message's current text, the same way the server cuts it. */
function currentPreview(preview: ReplyPreview, quoted: Message | undefined): ReplyPreview {
  if (!quoted) return preview;
  return {
    ...preview,
    snippet: replySnippet(quoted.content, quoted.is_deleted),
    is_deleted: quoted.is_deleted,
  };
}

function Quote({ preview }: { preview: ReplyPreview }) {
  const jump = () => {
    const target = document.getElementById(`msg-${preview.message_id}`);
    if (!target) return;
    target.scrollIntoView({ block: 'center', behavior: 'smooth' });
    target.classList.add('flash');
    setTimeout(() => target.classList.remove('flash'), 1200);
  };
  return (
    <button
      type="button"
      className="quote"
      onClick={jump}
      aria-label={`Reply to ${preview.sender_name}: ${quoteText(preview)}. Show it`}
    >
      <span className="quote-sender">{preview.sender_name}</span>
      <span className="quote-text">{quoteText(preview)}</span>
    </button>
  );
}

function Attachments({ attachments }: { attachments: Attachment[] }) {
  return (
    <div className="attachments">
      {attachments.map((a) => {
        const href = `/api/attachments/${encodeURIComponent(a.id)}`;
        return a.content_type.startsWith('image/') ? (
          <a key={a.id} href={href} className="attachment-image" target="_blank" rel="noreferrer">
            <img src={href} alt={a.name} loading="lazy" />
          </a>
        ) : (
          <a key={a.id} href={href} className="attachment-file" download={a.name}>
            <FileIcon />
            <span className="attachment-name">{a.name}</span>
            <span className="muted small">{formatBytes(a.size)}</span>
          </a>
        );
      })}
    </div>
  );
}

/** A send not stored yet: waiting, on its way, or refused (with the reason and what to do). */
export function PendingBubble({
  entry,
  grouped,
  offline,
}: {
  entry: OutboxEntry;
  grouped: boolean;
  offline: boolean;
}) {
  const client = useCarechatClient();
  const state = entry.status === 'failed' ? 'Not sent' : offline ? 'Queued' : 'Sending…';
  return (
    <li
      className={`msg mine pending ${grouped ? 'grouped' : ''} ${entry.status === 'failed' ? 'failed' : ''}`}
    >
      <div className="msg-body">
        <div className="bubble">
          <span className="sr-only">You said: </span>
          {entry.content && <span className="msg-text">{entry.content}</span>}
          {entry.attachments?.length ? (
            <span className="muted small">
              📎 {entry.attachments.length === 1 ? 'Attachment' : `${entry.attachments.length} attachments`}
            </span>
          ) : null}
          <span className="meta">
            <time dateTime={entry.created_at}>{formatTime(entry.created_at)}</time>
            <span className="pending-state" data-testid="pending-state">
              {state}
            </span>
          </span>
        </div>
        {entry.status === 'failed' && (
          <div className="msg-failed" role="alert">
            <span>{inWords(entry.error?.code, entry.error?.message)}</span>
            <span className="msg-failed-actions">
              <button
                type="button"
                className="button ghost small"
                onClick={() => void client.retry(entry.client_msg_id).catch(() => {})}
              >
                Try again
              </button>
              <button
                type="button"
                className="button ghost small"
                onClick={() => client.outbox.discard(entry.client_msg_id)}
              >
                Discard
              </button>
            </span>
          </div>
        )}
      </div>
    </li>
  );
}
