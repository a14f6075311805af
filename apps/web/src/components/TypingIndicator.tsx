import { shortName } from '../lib/format.js';
import type { TypingPerson } from '../lib/typing.js';
import { useMe } from '../lib/use-me.js';

/**
 * "Sam is typing…", announced politely to screen readers. To staff, a colleague typing is
 * "replying…": the team sees someone already answers the patient.
 */
export function TypingIndicator({ people }: { people: TypingPerson[] }) {
  const me = useMe();
  const staffViewer = me.role !== 'patient';
  const verb = (p: TypingPerson) =>
    staffViewer && p.role !== undefined && p.role !== 'patient' ? 'replying' : 'typing';
  const names = people.map((p) => shortName(p.name));
  const text =
    names.length === 0
      ? ''
      : names.length === 1
        ? `${people[0]!.name} is ${verb(people[0]!)}…`
        : `${names.slice(0, -1).join(', ')} and ${names.at(-1)} are typing…`;
  return (
    <div className="typing" aria-live="polite" data-testid="typing-indicator">
      {text && (
        <>
          <span className="typing-dots" aria-hidden="true">
            <span />
            <span />
            <span />
          </span>
          {text}
        </>
      )}
    </div>
  );
}
