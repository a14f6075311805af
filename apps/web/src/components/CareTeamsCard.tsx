import type { Practice } from '@carechat/protocol';
import { useCarechatClient } from '@carechat/react';
import { useEffect, useMemo, useState } from 'react';
import { PracticeApi } from '../lib/practice-api.js';
import { navigate } from '../lib/router.js';
import { errorInWords } from '../lib/words.js';
import { Card, Empty } from './Card.js';

/** Patients: the practices whose team they may write to (one conversation with the whole team). */
export function CareTeamsCard() {
  const client = useCarechatClient();
  const api = useMemo(() => new PracticeApi(client), [client]);
  const [practices, setPractices] = useState<Practice[]>([]);
  const [error, setError] = useState<string>();
  useEffect(() => {
    api.practices().then(setPractices, (caught) => setError(errorInWords(caught)));
  }, [api]);
  if (practices.length === 0 && !error) return null;
  const write = async (practice: Practice) => {
    try {
      navigate({ name: 'chat', conversationId: await api.open(practice.id) });
    } catch (caught) {
      setError(errorInWords(caught));
    }
  };
  return (
    <Card title="My care teams">
      {error && <Empty>{error}</Empty>}
      <ul className="link-list">
        {practices.map((p) => (
          <li key={p.id}>
            <button type="button" className="button ghost block" onClick={() => void write(p)}>
              Write to {p.name}
            </button>
          </li>
        ))}
      </ul>
    </Card>
  );
}
