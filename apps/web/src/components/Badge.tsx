/** An unread count: the number for the eye, "N unread" for screen readers. */
export function Badge({ count }: { count: number }) {
  if (count <= 0) return null;
  return (
    <span className="badge">
      <span aria-hidden="true">{count}</span>
      <span className="sr-only">{count} unread</span>
    </span>
  );
}
