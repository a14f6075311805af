import type { Conversation, ReplyExpectation } from '@carechat/protocol';
import { useCarechatClient } from '@carechat/react';
import { useEffect, useMemo, useState } from 'react';
import { formatMomentWithZone } from '../lib/format.js';
import { PracticeApi } from '../lib/practice-api.js';

/**
 * To someone who wrote while the team is away: when a reply can be expected (in their own time
 * zone, named) and the practice's notice. One note for the whole absence, asked again whenever the
 * conversation's last message changes (docs/decisions/1402).
 */
export function ReplyExpectationNote({ conversation }: { conversation: Conversation }) {
  const client = useCarechatClient();
  const api = useMemo(() => new PracticeApi(client), [client]);
  const [expectation, setExpectation] = useState<ReplyExpectation>();
  const lastSeq = conversation.last_seq;
  const conversationId = conversation.id;

  // biome-ignore lint/correctness/useExhaustiveDependencies: asked again when a message arrives
  useEffect(() => {
    let cancelled = false;
    api.expectation(conversationId).then(
      (e) => !cancelled && setExpectation(e),
      () => !cancelled && setExpectation(undefined),
    );
    return () => {
      cancelled = true;
    };
  }, [api, conversationId, lastSeq]);

  if (!expectation?.outside_hours) return null;
  return (
    <div className="reply-expectation" role="note" data-testid="reply-expectation">
      <p>
        {expectation.next_opening
          ? `The team is away. You can expect a reply from ${formatMomentWithZone(expectation.next_opening)}.`
          : 'The team is away; they will reply when they are back.'}
      </p>
      {expectation.notice && <p className="reply-expectation-notice">{expectation.notice}</p>}
    </div>
  );
}
