import type { NotificationSettingsResponse, UpdateNotificationSettingsBody } from '@carechat/protocol';
import { useCarechatClient } from '@carechat/react';
import { useEffect, useState } from 'react';
import {
  disablePush,
  enablePush,
  notificationSettings,
  pushSupported,
  updateNotificationSettings,
} from '../lib/notifications.js';
import { useMe } from '../lib/use-me.js';
import '../styles/notification-settings.css';

/**
 * The person's own notification settings (docs/notifications.md): push on this device and email
 * on or off, and quiet hours in their own time zone. What leaves carechat never says who wrote or
 * what: the panel says so, so nobody turns notifications off for fear of that.
 */
export function NotificationSettings() {
  const me = useMe();
  const client = useCarechatClient();
  const [settings, setSettings] = useState<NotificationSettingsResponse | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    notificationSettings(client)
      .then(setSettings)
      .catch(() => setProblem('Notification settings could not be loaded.'));
  }, [client]);

  const change = async (body: UpdateNotificationSettingsBody, device?: () => Promise<unknown>) => {
    const before = settings;
    setBusy(true);
    setProblem(null);
    // Shown at once (a checkbox follows the click), put back if the server refuses it.
    if (before) setSettings({ ...before, ...body });
    try {
      setSettings(await updateNotificationSettings(client, body));
      await device?.();
    } catch {
      setSettings(before);
      setProblem('That change could not be saved. Try again.');
    } finally {
      setBusy(false);
    }
  };

  const pushOnThisDevice = async (on: boolean) => {
    if (!settings) return;
    await change({ push_enabled: on }, async () => {
      if (!on) return disablePush(client);
      if (!(await enablePush(client, settings.vapid_public_key, me.id))) {
        setProblem('This browser did not allow notifications.');
      }
    });
  };

  const quiet = settings?.quiet_hours ?? null;
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;

  return (
    <details className="notification-settings">
      <summary className="button ghost small">Notifications</summary>
      <section className="notification-settings-panel" aria-label="Notification settings">
        {!settings ? (
          <p>{problem ?? 'Loading…'}</p>
        ) : !settings.available.push && !settings.available.email ? (
          <p className="notification-settings-note">
            You are notified while carechat is open. This server sends no push or email notifications.
          </p>
        ) : (
          <form onSubmit={(e) => e.preventDefault()}>
            <p className="notification-settings-note">
              Notifications never contain your messages or who wrote them.
            </p>
            {settings.available.push && pushSupported() ? (
              <label className="field inline">
                <input
                  type="checkbox"
                  checked={settings.push_enabled}
                  disabled={busy}
                  onChange={(e) => void pushOnThisDevice(e.target.checked)}
                />
                Push notifications on this device
              </label>
            ) : null}
            {settings.available.email ? (
              <label className="field inline">
                <input
                  type="checkbox"
                  checked={settings.email_enabled}
                  disabled={busy}
                  onChange={(e) => void change({ email_enabled: e.target.checked })}
                />
                Email when a message stays unread
              </label>
            ) : null}
            <fieldset className="field">
              <legend>Quiet hours ({quiet?.time_zone ?? zone})</legend>
              <label className="field inline">
                <input
                  type="checkbox"
                  checked={quiet !== null}
                  disabled={busy}
                  onChange={(e) =>
                    void change({
                      quiet_hours: e.target.checked
                        ? { start: '22:00', end: '07:00', time_zone: zone }
                        : null,
                    })
                  }
                />
                Nothing between
              </label>
              {quiet ? (
                <span className="notification-settings-times">
                  {(['start', 'end'] as const).map((edge, i) => (
                    <span key={edge}>
                      {i === 1 ? 'and ' : null}
                      <input
                        type="time"
                        aria-label={`Quiet hours ${edge}`}
                        value={quiet[edge]}
                        disabled={busy}
                        onChange={(e) =>
                          e.target.value && void change({ quiet_hours: { ...quiet, [edge]: e.target.value } })
                        }
                      />
                    </span>
                  ))}
                </span>
              ) : null}
            </fieldset>
            {problem ? (
              <p role="alert" className="notification-settings-problem">
                {problem}
              </p>
            ) : null}
          </form>
        )}
      </section>
    </details>
  );
}
