import {
  type Attachment,
  type Conversation,
  type Message,
  messageSummary,
  type SavedReply,
} from '@carechat/protocol';
import { useCarechatClient } from '@carechat/react';
import { type KeyboardEvent, useEffect, useId, useMemo, useRef, useState } from 'react';
import { formatBytes } from '../lib/format.js';
import { PracticeApi } from '../lib/practice-api.js';
import { useMe } from '../lib/use-me.js';
import { errorInWords } from '../lib/words.js';
import { CloseIcon, FileIcon, PaperclipIcon, SendIcon } from './icons.js';

export type ComposerMode =
  | { kind: 'new' }
  | { kind: 'reply'; message: Message }
  | { kind: 'edit'; message: Message };

interface Upload {
  key: number;
  name: string;
  size: number;
  status: 'uploading' | 'ready' | 'failed';
  attachment?: Attachment;
  error?: string;
}

const ACCEPT = 'image/png,image/jpeg,image/gif,image/webp,application/pdf';
/** The server drops an indicator 6 s after its last refresh: refresh every 3 s while typing. */
const TYPING_REFRESH_MS = 3000;
const TYPING_IDLE_MS = 4000;

let uploadKey = 1;

/** Typed first in an empty box, opens the team's saved replies. */
const SAVED_REPLY_KEY = '/';

/**
 * Writing a message: Enter sends, Shift+Enter starts a new line. Staff type "/" to pick one of the
 * team's saved replies (filled in for the patient by the server), arrows to choose, Enter to insert. Tells the others while the person
 * types, replies with a quote, edits one's own message, and attaches images or PDFs (uploaded at
 * once, sent with the message). Sends go through the SDK's outbox, so they survive going offline.
 */
export function Composer({
  conversation,
  mode,
  onModeChange,
  onError,
}: {
  conversation: Conversation;
  mode: ComposerMode;
  onModeChange: (mode: ComposerMode) => void;
  onError: (text: string) => void;
}) {
  const me = useMe();
  const client = useCarechatClient();
  const ids = useId();
  const [text, setText] = useState('');
  const [uploads, setUploads] = useState<Upload[]>([]);
  const area = useRef<HTMLTextAreaElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const typingSentAt = useRef(0);
  const idleTimer = useRef<number>(undefined);
  const conversationId = conversation.id;
  const staff = me.role !== 'patient';
  const practiceApi = useMemo(() => new PracticeApi(client), [client]);
  const [savedReplies, setSavedReplies] = useState<SavedReply[]>();
  const [pickIndex, setPickIndex] = useState(0);
  const [pickDismissed, setPickDismissed] = useState(false);
  const picking = staff && mode.kind !== 'edit' && text.startsWith(SAVED_REPLY_KEY) && !pickDismissed;
  const query = picking ? text.slice(SAVED_REPLY_KEY.length).trim().toLowerCase() : '';
  const matches = picking ? (savedReplies ?? []).filter((r) => r.title.toLowerCase().includes(query)) : [];
  const picked = matches[Math.min(pickIndex, matches.length - 1)];

  // Fetched when first asked for (and again in another conversation: the patient differs).
  useEffect(() => {
    if (!picking || savedReplies !== undefined) return;
    practiceApi.savedReplies(conversationId).then(setSavedReplies, () => setSavedReplies([]));
  }, [picking, savedReplies, practiceApi, conversationId]);

  const insertSavedReply = (reply: SavedReply) => {
    setText(reply.text);
    setPickDismissed(true);
    area.current?.focus();
  };

  // Entering edit mode puts the message in the box; reply and edit both take the focus.
  useEffect(() => {
    if (mode.kind === 'edit') setText(mode.message.content);
    if (mode.kind !== 'new') area.current?.focus();
  }, [mode]);

  // The box grows with its text, up to a limit.
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-measure whenever the text changes
  useEffect(() => {
    const el = area.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, 160)}px`;
  }, [text]);

  const stopTyping = () => {
    window.clearTimeout(idleTimer.current);
    if (typingSentAt.current > 0) client.setTyping(conversationId, false);
    typingSentAt.current = 0;
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: on leaving the conversation only
  useEffect(() => () => stopTyping(), []);

  const onType = (value: string) => {
    setText(value);
    if (!value.startsWith(SAVED_REPLY_KEY)) setPickDismissed(false);
    setPickIndex(0);
    // Looking up a saved reply is not typing to the patient.
    if (staff && value.startsWith(SAVED_REPLY_KEY)) {
      stopTyping();
      return;
    }
    if (mode.kind === 'edit') return;
    const now = Date.now();
    if (value.trim() === '') {
      stopTyping();
      return;
    }
    if (now - typingSentAt.current > TYPING_REFRESH_MS) {
      client.setTyping(conversationId, true);
      typingSentAt.current = now;
    }
    window.clearTimeout(idleTimer.current);
    idleTimer.current = window.setTimeout(stopTyping, TYPING_IDLE_MS);
  };

  const ready = uploads.filter((u) => u.status === 'ready');
  const uploading = uploads.some((u) => u.status === 'uploading');
  const canSend = !uploading && (text.trim() !== '' || (mode.kind !== 'edit' && ready.length > 0));

  async function submit() {
    if (!canSend) return;
    const content = text.trim();
    if (mode.kind === 'edit') {
      if (content === mode.message.content) {
        onModeChange({ kind: 'new' });
        setText('');
        return;
      }
      try {
        await client.editMessage(mode.message.message_id, content);
        onModeChange({ kind: 'new' });
        setText('');
      } catch (error) {
        onError(errorInWords(error));
      }
      return;
    }
    // Typing stops by itself server-side when the message is sent.
    window.clearTimeout(idleTimer.current);
    typingSentAt.current = 0;
    const attachments = ready.map((u) => u.attachment!.id);
    // A refusal leaves the send in the outbox as failed, shown under its bubble with the reason.
    client
      .send(conversationId, content, {
        replyTo: mode.kind === 'reply' ? mode.message.message_id : null,
        ...(attachments.length > 0 ? { attachments } : {}),
      })
      .catch(() => {});
    setText('');
    setUploads([]);
    if (mode.kind === 'reply') onModeChange({ kind: 'new' });
    area.current?.focus();
  }

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (picking && matches.length > 0) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const step = event.key === 'ArrowDown' ? 1 : -1;
        setPickIndex((i) => (Math.min(i, matches.length - 1) + step + matches.length) % matches.length);
        return;
      }
      if ((event.key === 'Enter' && !event.shiftKey) || event.key === 'Tab') {
        event.preventDefault();
        if (picked) insertSavedReply(picked);
        return;
      }
    }
    if (picking && event.key === 'Escape') {
      event.preventDefault();
      setPickDismissed(true);
      return;
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void submit();
    } else if (event.key === 'Escape' && mode.kind !== 'new') {
      event.preventDefault();
      if (mode.kind === 'edit') setText('');
      onModeChange({ kind: 'new' });
    }
  };

  async function upload(files: FileList | null) {
    if (!files) return;
    for (const file of Array.from(files)) {
      const key = uploadKey++;
      setUploads((list) => [...list, { key, name: file.name, size: file.size, status: 'uploading' }]);
      try {
        const attachment = await client.uploadAttachment(conversationId, file, file.name);
        setUploads((list) => list.map((u) => (u.key === key ? { ...u, status: 'ready', attachment } : u)));
      } catch (error) {
        const code = (error as { code?: string }).code;
        const reason =
          code === 'invalid_request'
            ? 'Only images (PNG, JPEG, GIF, WebP) and PDF files can be sent.'
            : code === 'message_too_large'
              ? 'This file is too large.'
              : errorInWords(error);
        setUploads((list) =>
          list.map((u) => (u.key === key ? { ...u, status: 'failed', error: reason } : u)),
        );
      }
    }
    if (fileInput.current) fileInput.current.value = '';
  }

  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      {mode.kind !== 'new' && (
        <div className="composer-context">
          <div className="composer-context-text">
            <span className="composer-context-title">
              {mode.kind === 'reply' ? `Replying to ${mode.message.sender_name}` : 'Editing your message'}
            </span>
            <span className="composer-context-snippet">{messageSummary(mode.message)}</span>
          </div>
          <button
            type="button"
            className="icon-button small"
            aria-label={mode.kind === 'reply' ? 'Cancel reply' : 'Cancel editing'}
            onClick={() => {
              if (mode.kind === 'edit') setText('');
              onModeChange({ kind: 'new' });
            }}
          >
            <CloseIcon />
          </button>
        </div>
      )}
      {uploads.length > 0 && (
        <ul className="uploads" aria-label="Attachments to send">
          {uploads.map((u) => (
            <li key={u.key} className={`upload upload-${u.status}`}>
              <FileIcon />
              <span className="upload-name">{u.name}</span>
              <span className="muted small">
                {u.status === 'uploading'
                  ? 'Uploading…'
                  : u.status === 'failed'
                    ? u.error
                    : formatBytes(u.size)}
              </span>
              <button
                type="button"
                className="icon-button small"
                aria-label={`Remove ${u.name}`}
                onClick={() => setUploads((list) => list.filter((x) => x.key !== u.key))}
              >
                <CloseIcon />
              </button>
            </li>
          ))}
        </ul>
      )}
      {picking && matches.length > 0 && (
        <div className="saved-replies" id={`${ids}-saved`} role="listbox" aria-label="Saved replies">
          {matches.map((reply) => (
            <div
              key={reply.id}
              id={`${ids}-saved-${reply.id}`}
              role="option"
              tabIndex={-1}
              aria-selected={reply === picked}
              onMouseDown={(e) => {
                e.preventDefault();
                insertSavedReply(reply);
              }}
            >
              <span className="saved-reply-title">{reply.title}</span>
              <span className="saved-reply-text">{reply.text}</span>
            </div>
          ))}
        </div>
      )}
      {picking && savedReplies !== undefined && (
        <p className="sr-only" aria-live="polite">
          {matches.length === 0
            ? 'No saved reply matches.'
            : `${matches.length} saved ${matches.length === 1 ? 'reply' : 'replies'}: arrows to choose, Enter to insert, Escape to close.`}
        </p>
      )}
      <div className="composer-row">
        <input
          ref={fileInput}
          id={`${ids}-file`}
          type="file"
          accept={ACCEPT}
          multiple
          aria-label="Attach images or PDF files"
          className="sr-only"
          tabIndex={-1}
          onChange={(e) => void upload(e.target.files)}
        />
        <button
          type="button"
          className="icon-button"
          aria-label="Attach a file"
          title="Attach an image or PDF"
          disabled={mode.kind === 'edit'}
          onClick={() => fileInput.current?.click()}
        >
          <PaperclipIcon />
        </button>
        <label htmlFor={`${ids}-text`} className="sr-only">
          Message
        </label>
        <textarea
          ref={area}
          id={`${ids}-text`}
          rows={1}
          value={text}
          placeholder="Write a message…"
          aria-describedby={`${ids}-hint`}
          aria-autocomplete={staff ? 'list' : undefined}
          aria-controls={picking && matches.length > 0 ? `${ids}-saved` : undefined}
          aria-activedescendant={picking && picked ? `${ids}-saved-${picked.id}` : undefined}
          onChange={(e) => onType(e.target.value)}
          onKeyDown={onKeyDown}
          onBlur={stopTyping}
        />
        <span id={`${ids}-hint`} className="sr-only">
          Enter sends, Shift and Enter starts a new line.
          {staff ? ' Type / for the team’s saved replies.' : ''}
        </span>
        <button
          type="submit"
          className="send-button"
          aria-label={mode.kind === 'edit' ? 'Save' : 'Send'}
          disabled={!canSend}
        >
          <SendIcon />
        </button>
      </div>
    </form>
  );
}
