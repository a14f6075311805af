/**
 * The access token the SDK presents. Either fixed (`token`), or asked of the app's provider
 * (`getToken`), which is called again when the token has expired or the server refuses it.
 * Without either, the SDK relies on the browser's session cookie.
 */
export type TokenProvider = (context: { reason: 'initial' | 'expired' | 'refused' }) => Promise<string>;

/** Refresh a little before `exp`, so a token does not expire between the check and its use. */
const EXPIRY_MARGIN_MS = 10_000;

export class TokenSource {
  #token: string | undefined;
  #refreshing: Promise<string | undefined> | undefined;

  constructor(
    token: string | undefined,
    private readonly provider: TokenProvider | undefined,
    private readonly now: () => number,
  ) {
    this.#token = token;
  }

  /** True when the SDK can get a new token by itself. */
  get canRefresh(): boolean {
    return this.provider !== undefined;
  }

  /** The token to use now: the current one, or a new one when it is missing or expired. */
  async get(): Promise<string | undefined> {
    if (this.#token === undefined) return this.provider ? this.refresh('initial') : undefined;
    const expiresAt = jwtExpiry(this.#token);
    if (this.provider && expiresAt !== undefined && expiresAt - EXPIRY_MARGIN_MS <= this.now()) {
      return this.refresh('expired');
    }
    return this.#token;
  }

  /** Asks the provider for a new token (once, however many callers ask at the same time). */
  refresh(reason: 'initial' | 'expired' | 'refused' = 'refused'): Promise<string | undefined> {
    if (!this.provider) return Promise.resolve(this.#token);
    this.#refreshing ??= this.provider({ reason }).then(
      (token) => {
        this.#refreshing = undefined;
        this.#token = token;
        return token;
      },
      (error: unknown) => {
        this.#refreshing = undefined;
        throw error;
      },
    );
    return this.#refreshing;
  }

  /** The user id the token names (`sub`), when it is a JWT. */
  subject(): string | undefined {
    return this.#token === undefined ? undefined : jwtClaims(this.#token)?.sub;
  }
}

function jwtExpiry(token: string): number | undefined {
  const exp = jwtClaims(token)?.exp;
  return typeof exp === 'number' ? exp * 1000 : undefined;
}

/** Reads a JWT's claims without verifying it: only to plan refreshes; the server verifies. */
function jwtClaims(token: string): { exp?: number; sub?: string } | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const binary = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const json = new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
    const claims: unknown = JSON.parse(json);
    return typeof claims === 'object' && claims !== null
      ? (claims as { exp?: number; sub?: string })
      : undefined;
  } catch {
    return undefined;
  }
}
