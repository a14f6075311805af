import type { Conversation, Role } from '@carechat/protocol';
import { onLinkClick } from '../lib/router.js';
import { inWords } from '../lib/words.js';

/**
 * In place of the composer when the care relationship behind a conversation has ended: that it
 * is closed, why (the code a send would get), and what the viewer can do instead.
 */
export function ReadOnlyBanner({ conversation, viewer }: { conversation: Conversation; viewer: Role }) {
  const reason = conversation.read_only_reason ?? undefined;
  return (
    <div className="read-only" role="note" aria-label="This conversation is closed">
      <p className="read-only-state">
        <strong>Closed.</strong>{' '}
        {inWords(reason, 'This conversation has ended; you can read it but not reply.')}
      </p>
      <NextStep reason={reason} viewer={viewer} />
    </div>
  );
}

function NextStep({ reason, viewer }: { reason: string | undefined; viewer: Role }) {
  if (viewer === 'patient' && reason === 'blocked') {
    return <p>You blocked this practitioner; unblock them to write to each other again.</p>;
  }
  if (viewer === 'patient') {
    return (
      <p>
        To write again,{' '}
        <a href="/" className="read-only-action" onClick={(e) => onLinkClick(e, { name: 'dashboard' })}>
          Book a new appointment
        </a>{' '}
        with your practitioner; once it is accepted, this conversation opens again.
      </p>
    );
  }
  if (viewer === 'practitioner' && reason === 'blocked') {
    return <p>Only the patient can lift a block. Their history stays readable here.</p>;
  }
  if (viewer === 'practitioner') {
    return <p>It opens again when the patient books a new appointment and you accept it.</p>;
  }
  return null;
}
