import type { User } from '@carechat/protocol';
import { useCarechatClient } from '@carechat/react';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Card, Loading } from '../components/Card.js';
import { PracticesAdminCard } from '../components/PracticesAdminCard.js';
import { CareApi } from '../lib/care-api.js';
import { useMe } from '../lib/use-me.js';
import { errorInWords } from '../lib/words.js';

/**
 * An administrator's home: practitioners who signed up and wait for approval. Until approved,
 * nobody finds, books or messages them (PRACTITIONER_SIGNUP=pending on the server).
 */
export function AdminDashboard() {
  const me = useMe();
  const client = useCarechatClient();
  const api = useMemo(() => new CareApi(client), [client]);
  const [pending, setPending] = useState<User[]>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState<string>();
  const [said, setSaid] = useState('');

  const reload = useCallback(async () => {
    try {
      setPending(await api.pendingPractitioners());
      setError(undefined);
    } catch (caught) {
      setError(caught);
    }
  }, [api]);

  useEffect(() => {
    void reload();
  }, [reload]);

  const decide = async (user: User, decision: 'approve' | 'reject') => {
    setBusy(user.id);
    try {
      await api.decidePractitioner(user.id, decision);
      setSaid(`${user.name} ${decision === 'approve' ? 'approved' : 'rejected'}.`);
      await reload();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <div className="dashboard">
      <div className="dashboard-head">
        <h1>Hello, {me.name}</h1>
        <p className="muted">Practitioners who signed up appear here until you approve or reject them.</p>
      </div>
      {error !== undefined && (
        <p className="form-error" role="alert">
          {errorInWords(error)}
        </p>
      )}
      <p className="sr-only" role="status">
        {said}
      </p>
      <Card title="Practitioners waiting for approval">
        {pending === undefined ? (
          <Loading what="practitioners" />
        ) : pending.length === 0 ? (
          <p className="empty">Nobody is waiting for approval.</p>
        ) : (
          <ul className="appointments" aria-label="Practitioners waiting for approval">
            {pending.map((user) => (
              <li key={user.id} className="appointment">
                <div className="appointment-main">
                  <div className="appointment-who">{user.name}</div>
                  {user.email && <div className="muted small">{user.email}</div>}
                </div>
                <div className="appointment-actions">
                  <button
                    type="button"
                    className="button small primary"
                    disabled={busy === user.id}
                    onClick={() => void decide(user, 'approve')}
                    aria-label={`Approve ${user.name}`}
                  >
                    Approve
                  </button>
                  <button
                    type="button"
                    className="button small subtle"
                    disabled={busy === user.id}
                    onClick={() => void decide(user, 'reject')}
                    aria-label={`Reject ${user.name}`}
                  >
                    Reject
                  </button>
                </div>
              </li>
            ))}
          </ul>
        )}
      </Card>
      <PracticesAdminCard />
    </div>
  );
}
