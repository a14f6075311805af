import type { ReactNode } from 'react';
import type { Route } from '../lib/router.js';
import { onLinkClick } from '../lib/router.js';
import { useLive } from '../lib/use-live.js';
import { Avatar } from './Avatar.js';
import { Badge } from './Badge.js';
import { ConnectionBanner } from './ConnectionBanner.js';
import { DoctorReadyBanners } from './DoctorReadyBanners.js';
import { Logo } from './Logo.js';
import { NotificationPrompt } from './NotificationPrompt.js';
import { NotificationSettings } from './NotificationSettings.js';

/** The frame around every signed-in screen: header, navigation, and the banners. */
export function Shell({
  route,
  onSignOut,
  children,
}: {
  route: Route;
  onSignOut: () => void;
  children: ReactNode;
}) {
  const live = useLive();
  const unread = live.unreadTotal();
  const inChat = route.name === 'chat' || route.name === 'chats';
  return (
    <div className={`shell ${inChat ? 'shell-chat' : ''}`}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <a
          className="brand-row"
          href="/"
          aria-label="carechat, dashboard"
          onClick={(e) => onLinkClick(e, { name: 'dashboard' })}
        >
          <Logo />
          <span className="brand-name">carechat</span>
        </a>
        <nav aria-label="Main" className="topnav">
          <a
            href="/"
            aria-current={route.name === 'dashboard' ? 'page' : undefined}
            onClick={(e) => onLinkClick(e, { name: 'dashboard' })}
          >
            Dashboard
          </a>
          <a
            href="/chat"
            aria-current={inChat ? 'page' : undefined}
            onClick={(e) => onLinkClick(e, { name: 'chats' })}
          >
            Messages
            <Badge count={unread} />
          </a>
        </nav>
        <div className="me">
          <Avatar name={live.me.name} size={32} />
          <div className="me-text">
            <span className="me-name">{live.me.name}</span>
            <span className="me-role">
              {live.me.role === 'practitioner'
                ? 'Practitioner'
                : live.me.role === 'admin'
                  ? 'Administrator'
                  : 'Patient'}
            </span>
          </div>
          <NotificationSettings />
          <button type="button" className="button ghost small" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <div className="banners">
        <ConnectionBanner />
        <DoctorReadyBanners />
        <NotificationPrompt />
      </div>
      <main id="main" className="content" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
