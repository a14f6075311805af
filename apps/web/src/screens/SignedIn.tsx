import { type CarechatClient, createClient } from '@carechat/client';
import { CarechatProvider, useChatStore, useUnreadTotal } from '@carechat/react';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Shell } from '../components/Shell.js';
import { watchInactivity } from '../lib/idle-logoff.js';
import { titleFor, watchNotifications } from '../lib/notifications.js';
import { navigate, parseRoute, usePathname } from '../lib/router.js';
import { logOut, resumeSession, type Session } from '../lib/session.js';
import { MeContext, useMe } from '../lib/use-me.js';
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
      <MeContext.Provider value={session.user}>
        <AppEvents onSignedOut={onSignedOut} />
        <Screens onSignOut={signOut} />
      </MeContext.Provider>
    </CarechatProvider>
  );
}

/**
 * What the app does with the client's events beyond the hooks: signs out when the server closes
 * with 4401 (the session is gone), asks for a consultation's conversation again when its
 * appointment changes (it opens or closes with it), and shows browser notifications.
 */
function AppEvents({ onSignedOut }: { onSignedOut: () => void }) {
  const chat = useChatStore();
  useEffect(() => {
    const offs = [
      chat.client.on('state', (change) => {
        if (change.to === 'disconnected' && change.code === 4401) onSignedOut();
      }),
      chat.client.on('appointment_updated', (f) => {
        const conversationId = f.appointment.consultation?.conversation_id;
        if (conversationId) void chat.refresh(conversationId);
      }),
      watchNotifications(chat.client, (id) => chat.conversation(id)?.muted === true),
    ];
    return () => {
      for (const off of offs) off();
    };
  }, [chat, onSignedOut]);
  return null;
}

function Screens({ onSignOut }: { onSignOut: () => void }) {
  const me = useMe();
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
  } else if (route.name === 'inbox' && me.role !== 'patient') {
    screen = <TeamInboxScreen practiceId={route.practiceId} conversationId={route.conversationId} />;
  } else if (me.role === 'patient') {
    screen = <PatientDashboard />;
  } else if (me.role === 'admin') {
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
