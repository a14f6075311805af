import { AuditLog } from './audit.js';
import { ConnectionLimiter, KeyedLimiter } from './limits.js';
import { LoginThrottle } from './login-throttle.js';
import { NotificationSettings } from './notification-settings.js';
import type { Bus } from './ports/bus.js';
import type { Clock } from './ports/clock.js';
import type { SecurityStore } from './ports/security-store.js';
import { RefreshTokens } from './session-tokens.js';
import { SessionGuard, type SessionGuardOptions } from './sessions.js';
import { SharedQuota } from './shared-quota.js';

/** The security knobs, with config.ts's defaults (docs/security.md explains each). */
export interface SecuritySettings {
  sessionIdleMinutes: number;
  refreshReuseGraceSeconds: number;
  loginFreeAttemptsPerAccount: number;
  loginFreeAttemptsPerAccountTotal: number;
  loginFreeAttemptsPerAddress: number;
  loginMaxBlockSeconds: number;
  sendRatePerSecond: number;
  sendBurst: number;
  uploadsPerMinute: number;
  maxConnectionsPerUser: number;
  maxConnectionsPerAddress: number;
  retentionDays: number;
  /** Sign-ups per client address per hour (0: no limit). */
  signupsPerHourPerAddress: number;
  /** Appointment requests per patient per hour (0: no limit). */
  appointmentRequestsPerHour: number;
  /** Group conversations a user may open per hour (0: no limit). */
  groupsPerHour: number;
}

export const DEFAULT_SECURITY_SETTINGS: SecuritySettings = {
  sessionIdleMinutes: 15,
  refreshReuseGraceSeconds: 30,
  loginFreeAttemptsPerAccount: 5,
  loginFreeAttemptsPerAccountTotal: 100,
  loginFreeAttemptsPerAddress: 20,
  loginMaxBlockSeconds: 900,
  sendRatePerSecond: 20,
  sendBurst: 60,
  uploadsPerMinute: 30,
  maxConnectionsPerUser: 32,
  maxConnectionsPerAddress: 1000,
  retentionDays: 0,
  signupsPerHourPerAddress: 20,
  appointmentRequestsPerHour: 20,
  groupsPerHour: 20,
};

/** The security pieces the services share: audit trail, session guard, throttles and limits. */
export interface SecurityParts {
  settings: SecuritySettings;
  store: SecurityStore;
  audit: AuditLog;
  guard: SessionGuard;
  refreshTokens: RefreshTokens;
  throttle: LoginThrottle;
  notifications: NotificationSettings;
  sends: KeyedLimiter;
  uploads: KeyedLimiter;
  signups: SharedQuota;
  appointmentRequests: SharedQuota;
  groupCreations: SharedQuota;
  connections: ConnectionLimiter;
}

export function createSecurityParts(o: {
  store: SecurityStore;
  bus: Bus;
  clock: Clock;
  secret: string;
  /** The user as stored now: the role and status sessions act with (SessionGuard). */
  findUsers: SessionGuardOptions['findUsers'];
  settings?: Partial<SecuritySettings> | undefined;
  onError?: ((error: unknown) => void) | undefined;
}): SecurityParts {
  const settings = { ...DEFAULT_SECURITY_SETTINGS, ...o.settings };
  const audit = new AuditLog({
    store: o.store,
    clock: o.clock,
    ...(o.onError ? { onError: o.onError } : {}),
  });
  const quota = (slug: string, perHour: number, what: string) =>
    new SharedQuota({ store: o.store, clock: o.clock, perHour, slug, what });
  const unlimited = (n: number) => (n <= 0 ? Number.MAX_SAFE_INTEGER : n);
  return {
    settings,
    store: o.store,
    audit,
    guard: new SessionGuard({
      store: o.store,
      bus: o.bus,
      clock: o.clock,
      audit,
      findUsers: o.findUsers,
      idleMs: settings.sessionIdleMinutes * 60_000,
    }),
    refreshTokens: new RefreshTokens(o.secret),
    throttle: new LoginThrottle({
      store: o.store,
      clock: o.clock,
      freePerAccount: settings.loginFreeAttemptsPerAccount,
      freePerAccountTotal: settings.loginFreeAttemptsPerAccountTotal,
      freePerAddress: settings.loginFreeAttemptsPerAddress,
      maxBlockSeconds: settings.loginMaxBlockSeconds,
    }),
    notifications: new NotificationSettings(o.store),
    sends: new KeyedLimiter(o.clock, settings.sendBurst, settings.sendRatePerSecond, 'messages'),
    uploads: new KeyedLimiter(
      o.clock,
      Math.max(1, Math.ceil(settings.uploadsPerMinute / 3)),
      settings.uploadsPerMinute / 60,
      'uploads',
    ),
    signups: quota('signup', settings.signupsPerHourPerAddress, 'sign-ups from this address'),
    appointmentRequests: quota('appointment', settings.appointmentRequestsPerHour, 'appointment requests'),
    groupCreations: quota('group', settings.groupsPerHour, 'new group conversations'),
    connections: new ConnectionLimiter(
      unlimited(settings.maxConnectionsPerUser),
      unlimited(settings.maxConnectionsPerAddress),
    ),
  };
}
