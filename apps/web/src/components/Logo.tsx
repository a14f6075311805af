/** The carechat mark: a speech bubble with a cross; `inverse` for dark backgrounds. */
export function Logo({ size = 28, inverse = false }: { size?: number; inverse?: boolean }) {
  const tile = inverse ? '#ffffff' : 'currentColor';
  const ink = inverse ? '#0f766e' : '#ffffff';
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="9" fill={tile} />
      <path
        d="M9 11.5A3.5 3.5 0 0 1 12.5 8h7A3.5 3.5 0 0 1 23 11.5v5a3.5 3.5 0 0 1-3.5 3.5H15l-4.2 3.4c-.5.4-1.3 0-1.3-.6V20A3.5 3.5 0 0 1 9 16.5z"
        fill={ink}
      />
      <path d="M16 11v6M13 14h6" stroke={tile} strokeWidth="2" strokeLinecap="round" />
    </svg>
  );
}
