import { useSyncExternalStore } from 'react';

/**
 * The app's few screens live in the URL (`/`, `/chat`, `/chat/<id>`, `/inbox/<practice>/<id>`,
 * `/login`, `/signup`), so a reload or a shared link opens the same screen; the server answers every
 * such path with the app.
 */
export type Route =
  | { name: 'dashboard' }
  | { name: 'chats' }
  | { name: 'chat'; conversationId: string }
  /** The team inbox of a practice (the first of one's practices when none is named). */
  | { name: 'inbox'; practiceId?: string; conversationId?: string }
  | { name: 'login' }
  | { name: 'signup' };

export function parseRoute(pathname: string): Route {
  const chat = /^\/chat\/([^/]+)\/?$/.exec(pathname);
  if (chat) return { name: 'chat', conversationId: decodeURIComponent(chat[1]!) };
  if (/^\/chat\/?$/.test(pathname)) return { name: 'chats' };
  const inbox = /^\/inbox(?:\/([^/]+))?(?:\/([^/]+))?\/?$/.exec(pathname);
  if (inbox) {
    const [, practiceId, conversationId] = inbox;
    return {
      name: 'inbox',
      ...(practiceId ? { practiceId: decodeURIComponent(practiceId) } : {}),
      ...(practiceId && conversationId ? { conversationId: decodeURIComponent(conversationId) } : {}),
    };
  }
  if (pathname === '/login') return { name: 'login' };
  if (pathname === '/signup') return { name: 'signup' };
  return { name: 'dashboard' };
}

export function pathOf(route: Route): string {
  switch (route.name) {
    case 'chat':
      return `/chat/${encodeURIComponent(route.conversationId)}`;
    case 'chats':
      return '/chat';
    case 'inbox':
      return ['/inbox', route.practiceId, route.practiceId && route.conversationId]
        .filter((part): part is string => typeof part === 'string' && part !== '')
        .map((part, i) => (i === 0 ? part : encodeURIComponent(part)))
        .join('/');
    case 'login':
      return '/login';
    case 'signup':
      return '/signup';
    default:
      return '/';
  }
}

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => {
  for (const listener of listeners) listener();
});

export function navigate(to: Route | string, options: { replace?: boolean } = {}): void {
  const path = typeof to === 'string' ? to : pathOf(to);
  if (path === location.pathname) return;
  if (options.replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function usePathname(): string {
  return useSyncExternalStore(subscribe, () => location.pathname);
}

/** A link that navigates inside the app (and still works as a link: new tab, copy address). */
export function onLinkClick(event: React.MouseEvent<HTMLAnchorElement>, to: Route): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey)
    return;
  event.preventDefault();
  navigate(to);
}
