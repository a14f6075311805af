import { INBOX_FILTERS, type InboxFilter, type InboxItem, type Practice } from '@carechat/protocol';
import { useCarechatClient, useConversations } from '@carechat/react';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Empty, Loading } from '../components/Card.js';
import { ColleaguesViewing } from '../components/ColleaguesViewing.js';
import { ConversationPane } from '../components/ConversationPane.js';
import { InboxRow } from '../components/InboxRow.js';
import { PatientContextPanel } from '../components/PatientContextPanel.js';
import { SavedRepliesEditor } from '../components/SavedRepliesEditor.js';
import { PracticeApi } from '../lib/practice-api.js';
import { navigate } from '../lib/router.js';
import { useEventCount } from '../lib/use-events.js';
import { errorInWords } from '../lib/words.js';

const FILTER_NAMES: Record<InboxFilter, string> = {
  all: 'All',
  needs_reply: 'Needs reply',
  unread: 'Unread',
  assigned_to_me: 'Assigned to me',
  unassigned: 'Unassigned',
};

/**
 * The team inbox: the practice's conversations with its patients, longest-waiting first, with
 * filters and who answers each; the open conversation beside it with the patient's context. It is
 * fetched again when a message, a read or an assignment changes something it shows.
 */
export function TeamInboxScreen({
  practiceId,
  conversationId,
}: {
  practiceId: string | undefined;
  conversationId: string | undefined;
}) {
  const client = useCarechatClient();
  const api = useMemo(() => new PracticeApi(client), [client]);
  const [practices, setPractices] = useState<Practice[]>();
  const [filter, setFilter] = useState<InboxFilter>('all');
  const [items, setItems] = useState<InboxItem[]>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    api.practices().then(setPractices, (caught) => setError(errorInWords(caught)));
  }, [api]);

  const practice = practices?.find((p) => p.id === practiceId) ?? practices?.[0];
  useEffect(() => {
    if (practice && practice.id !== practiceId)
      navigate({ name: 'inbox', practiceId: practice.id }, { replace: true });
  }, [practice, practiceId]);

  const load = useCallback(async () => {
    if (!practice) return;
    try {
      setItems(await api.inbox(practice.id, filter));
      setError(undefined);
    } catch (caught) {
      setError(errorInWords(caught));
    }
  }, [api, practice, filter]);

  // What the inbox shows changes with messages and reads (the live conversations) and assignments.
  const activity = useConversations()
    .conversations.map((c) => `${c.id}:${c.last_seq}:${c.unread_count}`)
    .join(',');
  const triage = useEventCount('triage_changed');
  // Waiting times grow: fetched again every minute as well.
  useEffect(() => {
    const timer = window.setInterval(() => void load(), 60_000);
    return () => window.clearInterval(timer);
  }, [load]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: fetched again on live activity
  useEffect(() => {
    const timer = window.setTimeout(() => void load(), 150);
    return () => window.clearTimeout(timer);
  }, [load, activity, triage]);

  const open = items?.find((i) => i.conversation.id === conversationId);
  const onAssigned = (item: InboxItem) =>
    setItems((list) => list?.map((i) => (i.conversation.id === item.conversation.id ? item : i)));

  if (practices && practices.length === 0) {
    return (
      <div className="dashboard">
        <h1>Team inbox</h1>
        <Empty>You are not a member of a practice yet. An administrator adds you to one.</Empty>
      </div>
    );
  }
  return (
    <div className={`chat inbox ${conversationId ? 'chat-open' : 'chat-listing'}`}>
      <aside className="chat-sidebar" aria-labelledby="inbox-title">
        <div className="chat-sidebar-head">
          <h1 id="inbox-title">{practice ? `${practice.name} inbox` : 'Team inbox'}</h1>
          {practices && practices.length > 1 && (
            <select
              aria-label="Practice"
              value={practice?.id}
              onChange={(e) => navigate({ name: 'inbox', practiceId: e.target.value })}
            >
              {practices.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          )}
          <fieldset className="inbox-filters">
            <legend className="sr-only">Show</legend>
            {INBOX_FILTERS.map((f) => (
              <button
                key={f}
                type="button"
                className={`button small ${filter === f ? 'primary' : 'ghost'}`}
                aria-pressed={filter === f}
                onClick={() => setFilter(f)}
              >
                {FILTER_NAMES[f]}
              </button>
            ))}
          </fieldset>
        </div>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        {!items ? (
          !error && <Loading what="the team inbox" />
        ) : items.length === 0 ? (
          <Empty>{filter === 'all' ? 'No conversations with patients yet.' : 'Nothing here.'}</Empty>
        ) : (
          <ul className="conversation-list" aria-label="Patient conversations">
            {items.map((item) => (
              <InboxRow
                key={item.conversation.id}
                item={item}
                active={item.conversation.id === conversationId}
              />
            ))}
          </ul>
        )}
      </aside>
      {conversationId && practice ? (
        <div className="inbox-open">
          <div className="inbox-conversation">
            <ColleaguesViewing conversationId={conversationId} />
            <ConversationPane key={conversationId} conversationId={conversationId} />
          </div>
          {open && <PatientContextPanel api={api} practice={practice} item={open} onAssigned={onAssigned} />}
        </div>
      ) : (
        <section className="pane pane-empty inbox-home" aria-label="No conversation open">
          <div>
            <p className="pane-empty-title">Choose a patient</p>
            <p className="muted">
              Conversations with the practice’s patients appear here, longest waiting first.
            </p>
            {practice && <SavedRepliesEditor api={api} practice={practice} />}
          </div>
        </section>
      )}
    </div>
  );
}
