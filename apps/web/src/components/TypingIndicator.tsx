import { shortName } from '../lib/format.js';
import type { TypingPerson } from '../lib/live.js';

/** "Sam is typing…", announced politely to screen readers. */
export function TypingIndicator({ people }: { people: TypingPerson[] }) {
  const names = people.map((p) => shortName(p.name));
  const text =
    names.length === 0
      ? ''
      : names.length === 1
        ? `${people[0]!.name} is typing…`
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
