import { initials } from '../lib/format.js';

const TONES = ['teal', 'blue', 'violet', 'amber', 'rose', 'slate'] as const;

function toneOf(name: string): string {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return TONES[hash % TONES.length]!;
}

/** Initials in a circle; with `online`, a dot that says so (to screen readers too). */
export function Avatar({ name, size = 40, online }: { name: string; size?: number; online?: boolean }) {
  return (
    <span
      className={`avatar tone-${toneOf(name)}`}
      style={{ width: size, height: size, fontSize: size * 0.38 }}
    >
      <span aria-hidden="true">{initials(name)}</span>
      {online !== undefined && (
        <span
          className={online ? 'presence online' : 'presence'}
          role="img"
          aria-label={online ? 'online' : 'offline'}
          title={online ? 'Online' : 'Offline'}
        />
      )}
    </span>
  );
}
