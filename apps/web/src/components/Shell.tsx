import { useUnreadTotal } from '@carechat/react';
import { type ReactNode, useEffect, useState } from 'react';
import type { Route } from '../lib/router.js';
import { onLinkClick } from '../lib/router.js';
import { useMe } from '../lib/use-me.js';
import { Avatar } from './Avatar.js';
import { Badge } from './Badge.js';
import { ConnectionBanner } from './ConnectionBanner.js';
import { DoctorReadyBanners } from './DoctorReadyBanners.js';
import { Logo } from './Logo.js';
import { MessageSearch } from './MessageSearch.js';
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
  const me = useMe();
  const unread = useUnreadTotal();
  const inChat = route.name === 'chat' || route.name === 'chats';
  const [searching, setSearching] = useState(false);
  useEffect(() => watchSearchShortcut(() => setSearching(true)), []);
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
        <button
          type="button"
          className="search-open"
          aria-label="Search messages"
          aria-keyshortcuts="Control+K /"
          aria-haspopup="dialog"
          onClick={() => setSearching(true)}
        >
          <SearchGlass />
          <span className="search-open-label" aria-hidden="true">
            Search
          </span>
          <kbd>Ctrl K</kbd>
        </button>
        <div className="me">
          <Avatar name={me.name} size={32} />
          <div className="me-text">
            <span className="me-name">{me.name}</span>
            <span className="me-role">
              {me.role === 'practitioner'
                ? 'Practitioner'
                : me.role === 'admin'
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
      {searching && <MessageSearch onClose={() => setSearching(false)} />}
    </div>
  );
}

/** Ctrl+K (⌘K) anywhere, or `/` when not typing, opens message search. */
function watchSearchShortcut(open: () => void): () => void {
  const onKey = (event: KeyboardEvent) => {
    const typing =
      event.target instanceof HTMLElement &&
      (event.target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName));
    const chord = (event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 'k';
    if (chord || (event.key === '/' && !typing && !event.ctrlKey && !event.metaKey && !event.altKey)) {
      event.preventDefault();
      open();
    }
  };
  window.addEventListener('keydown', onKey);
  return () => window.removeEventListener('keydown', onKey);
}

function SearchGlass() {
  return (
    <svg
      width="16"
      height="16"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      aria-hidden="true"
      focusable="false"
    >
      <circle cx="11" cy="11" r="7" />
      <path d="m20 20-3.5-3.5" />
    </svg>
  );
}
