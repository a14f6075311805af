import type { Practice } from '@carechat/protocol';
import { useCarechatClient } from '@carechat/react';
import { useEffect, useMemo, useState } from 'react';
import { PracticeApi } from '../lib/practice-api.js';
import { onLinkClick } from '../lib/router.js';
import { errorInWords } from '../lib/words.js';
import { Card, Empty, Loading } from './Card.js';

/** Staff: the practices one belongs to, each a way into its team inbox. */
export function TeamInboxCard() {
  const client = useCarechatClient();
  const api = useMemo(() => new PracticeApi(client), [client]);
  const [practices, setPractices] = useState<Practice[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    api.practices().then(setPractices, (caught) => setError(errorInWords(caught)));
  }, [api]);
  return (
    <Card title="Team inbox">
      {error ? (
        <Empty>{error}</Empty>
      ) : !practices ? (
        <Loading what="practices" />
      ) : practices.length === 0 ? (
        <Empty>You are not a member of a practice yet.</Empty>
      ) : (
        <ul className="link-list">
          {practices.map((p) => (
            <li key={p.id}>
              <a
                className="button ghost block"
                href={`/inbox/${encodeURIComponent(p.id)}`}
                onClick={(e) => onLinkClick(e, { name: 'inbox', practiceId: p.id })}
              >
                {p.name}: open the team inbox
              </a>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
