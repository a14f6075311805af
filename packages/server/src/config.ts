import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { DEFAULT_MAX_MESSAGE_BYTES } from '@carechat/protocol';
import { z } from 'zod';

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
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  /** Prefix of every Redis key and channel, so several clusters (or test runs) share one Redis. */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'letters, digits and : _ . - only, at most 64')
    .default('carechat:'),
  /** PostgreSQL only: the schema holding carechat's tables (created when missing). */
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier')
    .optional(),
  /** PostgreSQL only: connections this process keeps open. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(20),
  /** This process's name in logs, metrics and Redis presence; generated when unset. */
  NODE_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits and _ . - only, at most 64')
    .optional(),
  /** How long a node's presence entries live in Redis without a refresh (a dead node's users go offline). */
  PRESENCE_TTL_SECONDS: z.coerce.number().int().min(5).max(3600).default(30),
  /** On SIGTERM: time allowed for in-flight work before sockets are closed; the process exits within 10 s. */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(7000).default(5000),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(900),
  SESSION_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  CORS_ORIGINS: z.string().default(''),
  MESSAGING_POLICY: z.enum(['appointment', 'consultation', 'open']).default('open'),
  ALLOW_PRACTITIONER_SIGNUP: boolean.default(true),
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
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  COOKIE_SECURE: boolean.optional(),
});

export type Config = Readonly<{
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string;
  redisUrl: string | undefined;
  redisPrefix: string;
  databaseSchema: string | undefined;
  databasePoolSize: number;
  nodeId: string;
  presenceTtlSeconds: number;
  shutdownGraceMs: number;
  jwtSecret: string;
  accessTokenTtlSeconds: number;
  sessionTtlDays: number;
  corsOrigins: readonly string[];
  messagingPolicy: 'appointment' | 'consultation' | 'open';
  allowPractitionerSignup: boolean;
  maxMessageBytes: number;
  maxFrameBytes: number;
  maxSocketBufferBytes: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  cookieSecure: boolean;
}>;

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
        key === 'JWT_SECRET' || key === 'DATABASE_URL' || key === 'REDIS_URL' ? '(hidden)' : relevant[key];
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
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    databaseSchema: e.DATABASE_SCHEMA,
    databasePoolSize: e.DATABASE_POOL_SIZE,
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
    allowPractitionerSignup: e.ALLOW_PRACTITIONER_SIGNUP,
    maxMessageBytes: e.MAX_MESSAGE_BYTES,
    maxFrameBytes: e.MAX_FRAME_BYTES,
    maxSocketBufferBytes: e.MAX_SOCKET_BUFFER_BYTES,
    logLevel: e.LOG_LEVEL,
    cookieSecure: e.COOKIE_SECURE ?? e.NODE_ENV === 'production',
  });
}

/** In development a secret is generated once and kept in the data folder, so tokens survive restarts. */
function developmentSecret(dataDir: string): string {
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dirname(file), { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
