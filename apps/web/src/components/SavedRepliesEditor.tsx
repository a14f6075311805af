import { type Practice, SAVED_REPLY_PLACEHOLDERS, type SavedReply } from '@carechat/protocol';
import { type FormEvent, useCallback, useEffect, useId, useState } from 'react';
import type { PracticeApi } from '../lib/practice-api.js';
import { errorInWords } from '../lib/words.js';

/** The team's saved replies: write one (with placeholders), remove one. Any member may. */
export function SavedRepliesEditor({ api, practice }: { api: PracticeApi; practice: Practice }) {
  const ids = useId();
  const [replies, setReplies] = useState<SavedReply[]>();
  const [title, setTitle] = useState('');
  const [text, setText] = useState('');
  const [error, setError] = useState<string>();

  const load = useCallback(async () => {
    try {
      setReplies(await api.practiceReplies(practice.id));
    } catch (caught) {
      setError(errorInWords(caught));
    }
  }, [api, practice.id]);
  useEffect(() => {
    void load();
  }, [load]);

  async function add(event: FormEvent) {
    event.preventDefault();
    try {
      await api.addReply(practice.id, title, text);
      setTitle('');
      setText('');
      setError(undefined);
      await load();
    } catch (caught) {
      setError(errorInWords(caught));
    }
  }

  return (
    <section className="saved-replies-editor" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`}>Saved replies</h2>
      <p className="muted small">
        In a conversation, type / in the message box to insert one. {SAVED_REPLY_PLACEHOLDERS.join(' and ')}{' '}
        are filled in for the patient.
      </p>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <ul className="context-appointments">
        {(replies ?? []).map((r) => (
          <li key={r.id}>
            <span>
              <strong>{r.title}</strong> <span className="muted">{r.text}</span>
            </span>
            <button
              type="button"
              className="button ghost small"
              aria-label={`Remove the saved reply ${r.title}`}
              onClick={() =>
                void api.removeReply(practice.id, r.id).then(load, (e) => setError(errorInWords(e)))
              }
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      <form className="book-for-patient" onSubmit={(e) => void add(e)}>
        <div className="field">
          <label htmlFor={`${ids}-name`}>Title</label>
          <input
            id={`${ids}-name`}
            required
            maxLength={80}
            value={title}
            onChange={(e) => setTitle(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${ids}-text`}>Text</label>
          <textarea
            id={`${ids}-text`}
            required
            maxLength={4000}
            rows={3}
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
        </div>
        <button
          type="submit"
          className="button primary small"
          disabled={title.trim() === '' || text.trim() === ''}
        >
          Save reply
        </button>
      </form>
    </section>
  );
}
