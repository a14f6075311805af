/**
 * Whether a browser page from `origin` may open a socket here: the same origin always, the CORS
 * list, and no Origin header at all (not a browser, so no ambient cookies to abuse).
 */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: readonly string[],
): boolean {
  if (origin === undefined || origin === '') return true;
  if (allowed.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}
