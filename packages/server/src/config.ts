import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MAX_MESSAGE_BYTES } from '@carechat/protocol';
import { z } from 'zod';
import { DEFAULT_LADDERS, type Ladders, parseLadder } from './notify/ladder.js';
import type { SmtpSettings } from './notify/smtp-mailer.js';
import type { VapidKeys } from './notify/web-push-sender.js';
import type { S3Settings } from './store/s3-attachment-storage.js';

/**
 * Configuration comes from the environment, is validated once at start with messages that name
 * the option and the value, has its defaults here and only here, and is frozen afterwards.
 */

const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^(sqlite:|postgres:\/\/|postgresql:\/\/)/, 'must start with sqlite: or postgres://')
    .optional(),
  /** PostgreSQL only: keep every table in this schema (created when missing), e.g. one per test run. */
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lowercase SQL identifier')
    .optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  /** Prefix of every Redis key and channel, so several clusters (or test runs) share one Redis. */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'letters, digits and : _ . - only, at most 64')
    .default('carechat:'),
  /** PostgreSQL only: connections this process keeps open. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(20),
  /** This process's name in logs, metrics and Redis presence; generated when unset. */
  NODE_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits and _ . - only, at most 64')
    .optional(),
  /** How long a node's presence entries live in Redis without a refresh (a dead node's users go offline). */
  /** Processes `carechat serve` runs on one port (one per core); `--workers N` says the same. */
  WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  PRESENCE_TTL_SECONDS: z.coerce.number().int().min(5).max(3600).default(30),
  /** On SIGTERM: time allowed for in-flight work before sockets are closed; the process exits within 10 s. */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(7000).default(5000),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(900),
  SESSION_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  CORS_ORIGINS: z.string().default(''),
  MESSAGING_POLICY: z.enum(['appointment', 'consultation', 'open']).default('appointment'),
  /** A consultation stays open this long after its appointment ends. */
  CONSULTATION_WINDOW_HOURS: z.coerce.number().min(0).max(8760).default(72),
  /** Host platforms' key for the server API (/api/server/…); the API is off while unset. */
  SERVER_API_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Bearer key for GET /metrics; /metrics is not served while unset. */
  METRICS_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  /** How often each node looks for schedule windows opening (doctor_ready); 0 turns it off. */
  DOCTOR_READY_CHECK_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
  /**
   * Who may sign up as a practitioner: `pending` (they wait for an admin's approval), `open`
   * (anyone, at once: demos), `off`. ALLOW_PRACTITIONER_SIGNUP is its old name (true: open,
   * false: off); PRACTITIONER_SIGNUP wins when both are set.
   */
  PRACTITIONER_SIGNUP: z.enum(['pending', 'open', 'off']).optional(),
  /** `email`: sign-ups are confirmed by email (needs SMTP); `off`: accounts at once. Default: email when SMTP is set. */
  SIGNUP_CONFIRMATION: z.enum(['email', 'off']).optional(),
  ALLOW_PRACTITIONER_SIGNUP: boolean.optional(),
  MAX_MESSAGE_BYTES: z.coerce.number().int().min(1).max(1_048_576).default(DEFAULT_MAX_MESSAGE_BYTES),
  MAX_FRAME_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(16_777_216)
    .default(64 * 1024),
  /** Messages buffered for one slow socket before it is cut off; it then resumes by seq. */
  MAX_SOCKET_BUFFER_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(4 * 1024 * 1024),
  /** How long after sending a message its sender may edit or delete it. */
  EDIT_WINDOW_SECONDS: z.coerce.number().int().min(0).max(31_536_000).default(900),
  /** An unrefreshed typing indicator comes down after this long. */
  TYPING_TTL_MS: z.coerce.number().int().min(100).max(60_000).default(6000),
  /** A user whose last device left is announced offline only after this long (no flapping). */
  PRESENCE_GRACE_MS: z.coerce.number().int().min(0).max(60_000).default(5000),
  /** WebSocket heartbeat interval: a dead connection is dropped within two of these. */
  HEARTBEAT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
  ATTACHMENT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(104_857_600)
    .default(10 * 1024 * 1024),
  /**
   * Where attachment bytes live: the database (every node reads them), a folder under DATA_DIR,
   * or an S3-compatible bucket (the S3_* options below).
   */
  ATTACHMENT_STORAGE: z.enum(['database', 'folder', 's3']).default('database'),
  /** ATTACHMENT_STORAGE=s3: the service (AWS when unset), bucket and credentials; see s3Settings. */
  S3_ENDPOINT: z
    .string()
    .optional()
    .refine((value) => value === undefined || /^https?:\/\/[^/]/.test(value), 'must be an http(s) URL'),
  S3_REGION: z.string().min(1).optional(),
  S3_BUCKET: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
      'must be an S3 bucket name (3-63 lowercase letters, digits, . -)',
    )
    .optional(),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: boolean.default(false),
  /** Put before every object's key (one bucket shared by several deployments). */
  S3_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9!_.*'()/-]{0,200}$/, "letters, digits and ! _ . * ' ( ) / - only, at most 200")
    .default(''),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  COOKIE_SECURE: boolean.optional(),

  // Security and compliance (docs/security.md).
  /** Which proxies' X-Forwarded-For to believe: false (none), true (any), a hop count, or addresses/CIDRs. */
  TRUST_PROXY: z.string().default('false'),
  /** A session unused this long is ended (automatic logoff); 0 turns it off. */
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(0).max(1440).default(15),
  /** After a refresh, the previous refresh token still answers this long (two tabs refreshing at once). */
  REFRESH_REUSE_GRACE_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  /** How often open connections' sessions are re-checked (a backstop to revocations on the bus); 0: never. */
  SESSION_CHECK_SECONDS: z.coerce.number().int().min(0).max(3600).default(15),
  /** Failed sign-ins allowed per account, then per address, before the back-off starts. */
  LOGIN_FREE_ATTEMPTS_PER_ACCOUNT: z.coerce.number().int().min(1).max(1000).default(5),
  /** Failed sign-ins allowed per account from all addresses together (the per-account figure is per address). */
  LOGIN_FREE_ATTEMPTS_PER_ACCOUNT_TOTAL: z.coerce.number().int().min(1).max(100_000).default(100),
  LOGIN_FREE_ATTEMPTS_PER_ADDRESS: z.coerce.number().int().min(1).max(100_000).default(20),
  LOGIN_MAX_BLOCK_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  /** Messages per second per user (sustained; 0 turns the limit off) and the burst allowed. */
  SEND_RATE_PER_SECOND: z.coerce.number().min(0).max(100_000).default(20),
  SEND_BURST: z.coerce.number().int().min(1).max(100_000).default(60),
  /** Uploads per minute per user (0 turns the limit off). */
  UPLOADS_PER_MINUTE: z.coerce.number().min(0).max(100_000).default(30),
  /** Open sockets and event streams per user and per client address, on each node (0: no limit). */
  MAX_CONNECTIONS_PER_USER: z.coerce.number().int().min(0).max(1_000_000).default(32),
  MAX_CONNECTIONS_PER_ADDRESS: z.coerce.number().int().min(0).max(1_000_000).default(1000),
  /** Sign-ups per client address per hour; appointment requests per patient and new groups per user per hour (0: no limit). */
  SIGNUPS_PER_HOUR_PER_ADDRESS: z.coerce.number().int().min(0).max(1_000_000).default(20),
  APPOINTMENT_REQUESTS_PER_HOUR: z.coerce.number().int().min(0).max(1_000_000).default(20),
  GROUPS_PER_HOUR: z.coerce.number().int().min(0).max(1_000_000).default(20),
  /** Slow clients: headers must arrive within this, a whole request body within REQUEST_TIMEOUT_MS. */
  HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(15_000),
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  /** An idle keep-alive HTTP connection is closed after this. */
  KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(10_000),
  /** Messages (and their attachments) older than this many days are purged; 0 keeps everything. */
  RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(0),
  /** How often the retention purge runs, when on. */
  RETENTION_CHECK_MINUTES: z.coerce.number().int().min(1).max(10_080).default(60),
  /** The built web app (`npm run build:web`), served at `/` when the folder exists. */
  WEB_DIST_DIR: z.string().min(1).optional(),
  /** Host origins whose pages may frame the web app (CSP frame-ancestors); none by default. */
  FRAME_ANCESTORS: z
    .string()
    .default('')
    .refine(
      (value) => originList(value).every(isOrigin),
      'must be origins such as https://clinic.example.com, separated by commas',
    ),
  /** How long a one-time sign-in link (server API) may wait to be opened. */
  SIGN_IN_LINK_TTL_SECONDS: z.coerce.number().int().min(10).max(600).default(60),
  /** This server's address as browsers reach it, for the sign-in links it hands out. */
  PUBLIC_URL: z
    .string()
    .optional()
    .refine(
      (value) => value === undefined || isOrigin(value.replace(/\/+$/, '')),
      'must be an http(s) origin',
    ),

  // Notifications to people who are not looking (docs/notifications.md); each part is off while unset;
  // their links start with PUBLIC_URL (above).
  SMTP_HOST: z.string().min(1).optional(),
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(587),
  SMTP_TLS: z.enum(['starttls', 'implicit', 'none']).default('starttls'),
  SMTP_USER: z.string().min(1).optional(),
  SMTP_PASSWORD: z.string().min(1).optional(),
  SMTP_FROM: z.string().min(3).optional(),
  VAPID_PUBLIC_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{86,88}$/, 'must be the base64url public key')
    .optional(),
  VAPID_PRIVATE_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{42,44}$/, 'must be the base64url private key')
    .optional(),
  VAPID_SUBJECT: z
    .string()
    .regex(/^(mailto:|https:\/\/)/, 'must start with mailto: or https://')
    .optional(),
  NOTIFY_LADDER_PATIENT: z.string().default(DEFAULT_LADDERS.patient).superRefine(ladderIssue),
  NOTIFY_LADDER_PRACTITIONER: z.string().default(DEFAULT_LADDERS.practitioner).superRefine(ladderIssue),
  /** How often each node looks for due notifications; 0: this node sends none (others may). */
  NOTIFY_CHECK_MS: z.coerce.number().int().min(0).max(3_600_000).default(5000),
  /** The push services whose endpoints browsers may register (a leading dot: any host under it). */
  NOTIFY_PUSH_HOSTS: z
    .string()
    .default('fcm.googleapis.com,updates.push.services.mozilla.com,.push.apple.com,.notify.windows.com'),
  /** A node killed while sending holds its rows this long before another node takes them. */
  NOTIFY_LEASE_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),
});

function originList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** scheme://host[:port] and nothing else: what CSP and browsers compare. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}

export type PractitionerSignup = 'pending' | 'open' | 'off';

export type Config = Readonly<{
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string;
  databaseSchema: string | undefined;
  redisUrl: string | undefined;
  redisPrefix: string;
  databasePoolSize: number;
  nodeId: string;
  presenceTtlSeconds: number;
  workers: number;
  shutdownGraceMs: number;
  jwtSecret: string;
  accessTokenTtlSeconds: number;
  sessionTtlDays: number;
  corsOrigins: readonly string[];
  messagingPolicy: 'appointment' | 'consultation' | 'open';
  consultationWindowHours: number;
  serverApiKey: string | undefined;
  metricsKey: string | undefined;
  doctorReadyCheckSeconds: number;
  practitionerSignup: PractitionerSignup;
  signupConfirmation: 'email' | 'off';
  maxMessageBytes: number;
  maxFrameBytes: number;
  maxSocketBufferBytes: number;
  editWindowSeconds: number;
  typingTtlMs: number;
  presenceGraceMs: number;
  heartbeatMs: number;
  attachmentMaxBytes: number;
  attachmentStorage: 'database' | 'folder' | 's3';
  /** The bucket, when attachmentStorage is s3. */
  s3: S3Settings | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  cookieSecure: boolean;
  trustProxy: boolean | number | string;
  sessionIdleMinutes: number;
  refreshReuseGraceSeconds: number;
  sessionCheckSeconds: number;
  loginFreeAttemptsPerAccount: number;
  loginFreeAttemptsPerAccountTotal: number;
  loginFreeAttemptsPerAddress: number;
  loginMaxBlockSeconds: number;
  sendRatePerSecond: number;
  sendBurst: number;
  uploadsPerMinute: number;
  maxConnectionsPerUser: number;
  maxConnectionsPerAddress: number;
  signupsPerHourPerAddress: number;
  appointmentRequestsPerHour: number;
  groupsPerHour: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  retentionDays: number;
  retentionCheckMinutes: number;
  webDistDir: string;
  frameAncestors: readonly string[];
  signInLinkTtlSeconds: number;
  publicUrl: string | undefined;
  notify: NotifyConfig;
}>;

export interface NotifyConfig {
  publicUrl: string;
  smtp: SmtpSettings | undefined;
  vapid: VapidKeys | undefined;
  ladders: Ladders;
  checkMs: number;
  leaseMs: number;
  pushHosts: readonly string[];
}

/** apps/web/dist of this repository, wherever the server is started from. */
const DEFAULT_WEB_DIST_DIR = fileURLToPath(new URL('../../../apps/web/dist', import.meta.url));

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and validates the configuration. Throws ConfigError naming every bad option. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const relevant = Object.fromEntries(
    Object.keys(envSchema.shape).flatMap((key) => {
      const value = env[key];
      return value === undefined || value === '' ? [] : [[key, value]];
    }),
  );
  const parsed = envSchema.safeParse(relevant);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '');
      const shown =
        key === 'JWT_SECRET' ||
        key === 'DATABASE_URL' ||
        key === 'REDIS_URL' ||
        key === 'SERVER_API_KEY' ||
        key === 'SMTP_PASSWORD' ||
        key === 'S3_SECRET_ACCESS_KEY' ||
        key === 'VAPID_PRIVATE_KEY'
          ? '(hidden)'
          : relevant[key];
      return `  ${key}=${JSON.stringify(shown)}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = resolve(e.DATA_DIR);
  const databaseUrl = e.DATABASE_URL ?? `sqlite:${join(dataDir, 'carechat.db')}`;
  if (e.NODE_ENV === 'production' && !e.JWT_SECRET) {
    throw new ConfigError('invalid configuration:\n  JWT_SECRET: required when NODE_ENV=production');
  }
  return Object.freeze({
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    dataDir,
    databaseUrl,
    databaseSchema: e.DATABASE_SCHEMA,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    workers: e.WORKERS,
    nodeId: e.NODE_ID ?? `${hostname()}-${process.pid}`,
    presenceTtlSeconds: e.PRESENCE_TTL_SECONDS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    jwtSecret: e.JWT_SECRET ?? developmentSecret(dataDir),
    accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
    sessionTtlDays: e.SESSION_TTL_DAYS,
    corsOrigins: Object.freeze(
      e.CORS_ORIGINS.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
    messagingPolicy: e.MESSAGING_POLICY,
    consultationWindowHours: e.CONSULTATION_WINDOW_HOURS,
    serverApiKey: e.SERVER_API_KEY,
    metricsKey: e.METRICS_KEY,
    doctorReadyCheckSeconds: e.DOCTOR_READY_CHECK_SECONDS,
    practitionerSignup:
      e.PRACTITIONER_SIGNUP ??
      (e.ALLOW_PRACTITIONER_SIGNUP === undefined ? 'pending' : e.ALLOW_PRACTITIONER_SIGNUP ? 'open' : 'off'),
    signupConfirmation: signupConfirmation(e),
    maxMessageBytes: e.MAX_MESSAGE_BYTES,
    maxFrameBytes: e.MAX_FRAME_BYTES,
    maxSocketBufferBytes: e.MAX_SOCKET_BUFFER_BYTES,
    editWindowSeconds: e.EDIT_WINDOW_SECONDS,
    typingTtlMs: e.TYPING_TTL_MS,
    presenceGraceMs: e.PRESENCE_GRACE_MS,
    heartbeatMs: e.HEARTBEAT_MS,
    attachmentMaxBytes: e.ATTACHMENT_MAX_BYTES,
    attachmentStorage: e.ATTACHMENT_STORAGE,
    s3: s3Settings(e),
    logLevel: e.LOG_LEVEL,
    cookieSecure: e.COOKIE_SECURE ?? e.NODE_ENV === 'production',
    trustProxy: trustProxy(e.TRUST_PROXY),
    sessionIdleMinutes: e.SESSION_IDLE_MINUTES,
    refreshReuseGraceSeconds: e.REFRESH_REUSE_GRACE_SECONDS,
    sessionCheckSeconds: e.SESSION_CHECK_SECONDS,
    loginFreeAttemptsPerAccount: e.LOGIN_FREE_ATTEMPTS_PER_ACCOUNT,
    loginFreeAttemptsPerAccountTotal: e.LOGIN_FREE_ATTEMPTS_PER_ACCOUNT_TOTAL,
    loginFreeAttemptsPerAddress: e.LOGIN_FREE_ATTEMPTS_PER_ADDRESS,
    loginMaxBlockSeconds: e.LOGIN_MAX_BLOCK_SECONDS,
    sendRatePerSecond: e.SEND_RATE_PER_SECOND,
    sendBurst: e.SEND_BURST,
    uploadsPerMinute: e.UPLOADS_PER_MINUTE,
    maxConnectionsPerUser: e.MAX_CONNECTIONS_PER_USER,
    maxConnectionsPerAddress: e.MAX_CONNECTIONS_PER_ADDRESS,
    signupsPerHourPerAddress: e.SIGNUPS_PER_HOUR_PER_ADDRESS,
    appointmentRequestsPerHour: e.APPOINTMENT_REQUESTS_PER_HOUR,
    groupsPerHour: e.GROUPS_PER_HOUR,
    headersTimeoutMs: e.HEADERS_TIMEOUT_MS,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: e.KEEP_ALIVE_TIMEOUT_MS,
    retentionDays: e.RETENTION_DAYS,
    retentionCheckMinutes: e.RETENTION_CHECK_MINUTES,
    webDistDir: e.WEB_DIST_DIR ? resolve(e.WEB_DIST_DIR) : DEFAULT_WEB_DIST_DIR,
    frameAncestors: Object.freeze(originList(e.FRAME_ANCESTORS)),
    signInLinkTtlSeconds: e.SIGN_IN_LINK_TTL_SECONDS,
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
    notify: notifyConfig(e),
  });
}

/** Push needs all three VAPID values, email a host and a sender; half a configuration is an error. */
function notifyConfig(e: z.infer<typeof envSchema>): NotifyConfig {
  const vapid = [e.VAPID_PUBLIC_KEY, e.VAPID_PRIVATE_KEY, e.VAPID_SUBJECT];
  if (vapid.some((v) => v !== undefined) && vapid.some((v) => v === undefined)) {
    throw new ConfigError(
      'invalid configuration:\n  VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY, VAPID_SUBJECT: set all three or none',
    );
  }
  if ((e.SMTP_HOST === undefined) !== (e.SMTP_FROM === undefined)) {
    throw new ConfigError('invalid configuration:\n  SMTP_HOST, SMTP_FROM: set both or neither');
  }
  return Object.freeze({
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, '') ?? `http://localhost:${e.PORT}`,
    smtp:
      e.SMTP_HOST !== undefined && e.SMTP_FROM !== undefined
        ? {
            host: e.SMTP_HOST,
            port: e.SMTP_PORT,
            tls: e.SMTP_TLS,
            user: e.SMTP_USER,
            password: e.SMTP_PASSWORD,
            from: e.SMTP_FROM,
          }
        : undefined,
    vapid:
      e.VAPID_PUBLIC_KEY && e.VAPID_PRIVATE_KEY && e.VAPID_SUBJECT
        ? { publicKey: e.VAPID_PUBLIC_KEY, privateKey: e.VAPID_PRIVATE_KEY, subject: e.VAPID_SUBJECT }
        : undefined,
    ladders: Object.freeze({
      patient: parseLadder(e.NOTIFY_LADDER_PATIENT),
      practitioner: parseLadder(e.NOTIFY_LADDER_PRACTITIONER),
      admin: parseLadder(DEFAULT_LADDERS.admin),
    }),
    checkMs: e.NOTIFY_CHECK_MS,
    leaseMs: e.NOTIFY_LEASE_SECONDS * 1000,
    pushHosts: Object.freeze(
      e.NOTIFY_PUSH_HOSTS.split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
    ),
  });
}

/** ATTACHMENT_STORAGE=s3 needs a bucket, its region and credentials; the rest has defaults. */
function s3Settings(e: z.infer<typeof envSchema>): S3Settings | undefined {
  if (e.ATTACHMENT_STORAGE !== 's3') return undefined;
  const region = e.S3_REGION;
  const bucket = e.S3_BUCKET;
  const accessKeyId = e.S3_ACCESS_KEY_ID;
  const secretAccessKey = e.S3_SECRET_ACCESS_KEY;
  if (!region || !bucket || !accessKeyId || !secretAccessKey) {
    const given = {
      S3_REGION: region,
      S3_BUCKET: bucket,
      S3_ACCESS_KEY_ID: accessKeyId,
      S3_SECRET_ACCESS_KEY: secretAccessKey,
    };
    const missing = Object.entries(given).flatMap(([key, value]) => (value ? [] : [key]));
    throw new ConfigError(
      `invalid configuration:\n  ${missing.join(', ')}: required when ATTACHMENT_STORAGE=s3`,
    );
  }
  return Object.freeze({
    endpoint: e.S3_ENDPOINT?.replace(/\/+$/, ''),
    region,
    bucket,
    accessKeyId,
    secretAccessKey,
    forcePathStyle: e.S3_FORCE_PATH_STYLE,
    prefix: e.S3_PREFIX,
  });
}

function ladderIssue(value: string, context: z.RefinementCtx): void {
  try {
    parseLadder(value);
  } catch (error) {
    context.addIssue({ code: 'custom', message: (error as Error).message });
  }
}

/** `TRUST_PROXY`: false/true, a hop count, or a comma-separated list of proxy addresses or CIDRs. */
function trustProxy(value: string): boolean | number | string {
  const v = value.trim().toLowerCase();
  if (v === 'false' || v === '0' || v === 'no') return false;
  if (v === 'true' || v === 'yes') return true;
  if (/^\d+$/.test(v)) return Number(v);
  return value.trim();
}

/** In development a secret is generated once and kept in the data folder, so tokens survive restarts. */
/** Sign-ups are confirmed by email when SMTP can send it, unless told otherwise. */
function signupConfirmation(e: z.infer<typeof envSchema>): 'email' | 'off' {
  const smtp = e.SMTP_HOST !== undefined && e.SMTP_FROM !== undefined;
  if (e.SIGNUP_CONFIRMATION === 'email' && !smtp) {
    throw new ConfigError(
      'invalid configuration:\n  SIGNUP_CONFIRMATION=email needs SMTP_HOST and SMTP_FROM',
    );
  }
  return e.SIGNUP_CONFIRMATION ?? (smtp ? 'email' : 'off');
}

function developmentSecret(dataDir: string): string {
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dirname(file), { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
