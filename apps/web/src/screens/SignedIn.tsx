import { type CarechatClient, createClient } from '@carechat/client';
import type { User } from '@carechat/protocol';
import { CarechatProvider, useChatStore, useUnreadTotal } from '@carechat/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Shell } from '../components/Shell.js';
import { watchInactivity } from '../lib/idle-logoff.js';
import { LiveStore } from '../lib/live.js';
import { titleFor, watchNotifications } from '../lib/notifications.js';
import { navigate, parseRoute, usePathname } from '../lib/router.js';
import { logOut, resumeSession, type Session } from '../lib/session.js';
import { LiveContext, useLiveStore } from '../lib/use-live.js';
import { AdminDashboard } from './AdminDashboard.js';
import { ChatScreen } from './ChatScreen.js';
import { PatientDashboard } from './PatientDashboard.js';
import { PractitionerDashboard } from './PractitionerDashboard.js';
import { TeamInboxScreen } from './TeamInboxScreen.js';

/** The signed-in app: one live connection (the SDK) for every screen. */
export function SignedIn({ session, onSignedOut }: { session: Session; onSignedOut: () => void }) {
  const [client, setClient] = useState<CarechatClient>();
  const token = useRef(session.accessToken);

  useEffect(() => {
    const created = createClient({
      baseUrl: location.origin,
      token: session.accessToken,
      getToken: async () => {
        const fresh = await resumeSession();
        if (!fresh) throw new Error('signed out');
        token.current = fresh.accessToken;
        return fresh.accessToken;
      },
      storageKey: `carechat:outbox:${session.user.id}`,
    });
    setClient(created);
    return () => created.close();
  }, [session]);

  const signOut = useCallback(async () => {
    await logOut(token.current);
    onSignedOut();
    navigate({ name: 'login' }, { replace: true });
  }, [onSignedOut]);

  useEffect(
    () => watchInactivity(session.idleTimeoutSeconds * 1000, () => void signOut()),
    [session.idleTimeoutSeconds, signOut],
  );

  if (!client) return null;
  return (
    <CarechatProvider client={client} userId={session.user.id}>
      <AppLive me={session.user} onSignedOut={onSignedOut}>
        <Screens onSignOut={signOut} />
      </AppLive>
    </CarechatProvider>
  );
}

/** What the app shows beyond the chat (lib/live.ts), over the provider's chat store. */
function AppLive({
  me,
  onSignedOut,
  children,
}: {
  me: User;
  onSignedOut: () => void;
  children: React.ReactNode;
}) {
  const chat = useChatStore();
  const live = useMemo(() => new LiveStore({ chat, me, onSignedOut }), [chat, me, onSignedOut]);
  useEffect(() => {
    const detach = live.attach();
    const stopNotifications = watchNotifications(chat.client, (id) => chat.conversation(id)?.muted === true);
    return () => {
      stopNotifications();
      detach();
    };
  }, [live, chat]);
  return <LiveContext.Provider value={live}>{children}</LiveContext.Provider>;
}

function Screens({ onSignOut }: { onSignOut: () => void }) {
  const live = useLiveStore();
  const route = parseRoute(usePathname());
  const unread = useUnreadTotal();

  useEffect(() => {
    document.title = titleFor(unread);
  }, [unread]);

  useEffect(() => {
    if (route.name === 'login' || route.name === 'signup') navigate({ name: 'dashboard' }, { replace: true });
  }, [route.name]);

  let screen: React.ReactNode;
  if (route.name === 'chat' || route.name === 'chats') {
    screen = <ChatScreen conversationId={route.name === 'chat' ? route.conversationId : undefined} />;
  } else if (route.name === 'inbox' && live.me.role !== 'patient') {
    screen = <TeamInboxScreen practiceId={route.practiceId} conversationId={route.conversationId} />;
  } else if (live.me.role === 'patient') {
    screen = <PatientDashboard />;
  } else if (live.me.role === 'admin') {
    screen = <AdminDashboard />;
  } else {
    screen = <PractitionerDashboard />;
  }
  return (
    <Shell route={route} onSignOut={onSignOut}>
      {screen}
    </Shell>
  );
}
