// The host application's auth hook, which seed 004 does not show: the signed-in user and a
// carechat access token (the host's server mints it: docs/migration.md, seed 004).
export function useAuth() {
  const auth = globalThis.__seedAuth;
  return { user: auth.user, token: auth.token, accessToken: auth.token };
}
