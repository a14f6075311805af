import { PRACTICE_ROLES, type Practice, type PracticeRole, type User } from '@carechat/protocol';
import { useCarechatClient } from '@carechat/react';
import { type FormEvent, useCallback, useEffect, useId, useMemo, useState } from 'react';
import { CareApi } from '../lib/care-api.js';
import { PracticeApi } from '../lib/practice-api.js';
import { errorInWords } from '../lib/words.js';
import { Card, Empty, Loading } from './Card.js';

const ROLE_NAMES: Record<PracticeRole, string> = {
  practitioner: 'Practitioner',
  nurse: 'Nurse',
  front_desk: 'Front desk',
};

/** Admins: practices (care teams) with their away notice and members. */
export function PracticesAdminCard() {
  const client = useCarechatClient();
  const api = useMemo(() => new PracticeApi(client), [client]);
  const ids = useId();
  const [practices, setPractices] = useState<Practice[]>();
  const [name, setName] = useState('');
  const [notice, setNotice] = useState('');
  const [error, setError] = useState<string>();

  const load = useCallback(async () => {
    try {
      setPractices(await api.practices());
    } catch (caught) {
      setError(errorInWords(caught));
    }
  }, [api]);
  useEffect(() => {
    void load();
  }, [load]);

  async function create(event: FormEvent) {
    event.preventDefault();
    try {
      await api.create(name, notice.trim() === '' ? null : notice);
      setName('');
      setNotice('');
      await load();
    } catch (caught) {
      setError(errorInWords(caught));
    }
  }

  return (
    <Card title="Practices">
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {!practices ? (
        <Loading what="practices" />
      ) : practices.length === 0 ? (
        <Empty>No practice yet.</Empty>
      ) : (
        practices.map((p) => (
          <PracticeEditor key={p.id} api={api} practice={p} onChanged={load} onError={setError} />
        ))
      )}
      <form className="book-for-patient" onSubmit={(e) => void create(e)}>
        <h3>New practice</h3>
        <div className="field">
          <label htmlFor={`${ids}-name`}>Name</label>
          <input
            id={`${ids}-name`}
            required
            maxLength={120}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${ids}-notice`}>Away notice (shown to patients who write outside hours)</label>
          <input
            id={`${ids}-notice`}
            maxLength={500}
            value={notice}
            onChange={(e) => setNotice(e.target.value)}
          />
        </div>
        <button type="submit" className="button primary small" disabled={name.trim() === ''}>
          Create practice
        </button>
      </form>
    </Card>
  );
}

function PracticeEditor({
  api,
  practice,
  onChanged,
  onError,
}: {
  api: PracticeApi;
  practice: Practice;
  onChanged: () => Promise<void>;
  onError: (text: string) => void;
}) {
  const client = useCarechatClient();
  const care = useMemo(() => new CareApi(client), [client]);
  const ids = useId();
  const [notice, setNotice] = useState(practice.away_notice ?? '');
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<User[]>([]);
  const [role, setRole] = useState<PracticeRole>('practitioner');

  useEffect(() => {
    const q = query.trim();
    if (q.length < 2) {
      setFound([]);
      return;
    }
    const timer = window.setTimeout(() => {
      care.searchUsers(q).then(
        (users) => setFound(users.filter((u) => u.role === 'practitioner')),
        () => setFound([]),
      );
    }, 200);
    return () => window.clearTimeout(timer);
  }, [care, query]);

  const act = (work: Promise<unknown>) =>
    void work.then(onChanged, (caught) => onError(errorInWords(caught)));

  return (
    <section className="practice-editor" aria-labelledby={`${ids}-title`}>
      <h3 id={`${ids}-title`}>{practice.name}</h3>
      <ul className="context-appointments" aria-label={`Members of ${practice.name}`}>
        {practice.members.map((m) => (
          <li key={m.user.id}>
            <span>
              {m.user.name} · {ROLE_NAMES[m.role]}
            </span>
            <button
              type="button"
              className="button ghost small"
              aria-label={`Remove ${m.user.name} from ${practice.name}`}
              onClick={() => act(api.removeMember(practice.id, m.user.id))}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      <div className="field">
        <label htmlFor={`${ids}-notice`}>Away notice</label>
        <input
          id={`${ids}-notice`}
          maxLength={500}
          value={notice}
          onChange={(e) => setNotice(e.target.value)}
        />
      </div>
      <button
        type="button"
        className="button ghost small"
        onClick={() => act(api.update(practice.id, { away_notice: notice.trim() === '' ? null : notice }))}
      >
        Save notice
      </button>
      <div className="field">
        <label htmlFor={`${ids}-find`}>Add a member (search by name)</label>
        <input id={`${ids}-find`} type="search" value={query} onChange={(e) => setQuery(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${ids}-role`}>As</label>
        <select id={`${ids}-role`} value={role} onChange={(e) => setRole(e.target.value as PracticeRole)}>
          {PRACTICE_ROLES.map((r) => (
            <option key={r} value={r}>
              {ROLE_NAMES[r]}
            </option>
          ))}
        </select>
      </div>
      {found.length > 0 && (
        <ul className="context-appointments" aria-label="Staff found">
          {found.map((u) => (
            <li key={u.id}>
              <span>{u.name}</span>
              <button
                type="button"
                className="button primary small"
                aria-label={`Add ${u.name} as ${ROLE_NAMES[role]}`}
                onClick={() => {
                  setQuery('');
                  act(api.putMember(practice.id, u.id, role));
                }}
              >
                Add
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
