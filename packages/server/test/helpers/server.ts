import { mkdtempSync } from 'node:fs';
import type { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DestinationStream } from 'pino';
import { type App, buildApp } from '../../src/app.js';
import { MemoryBus } from '../../src/bus/memory-bus.js';
import { type Config, loadConfig } from '../../src/config.js';
import type { Bus } from '../../src/core/ports/bus.js';
import type { Clock } from '../../src/core/ports/clock.js';
import { createLogger } from '../../src/log.js';
import { createTestStore, type Dialect, type TestStore } from './dialects.js';

export interface TestServer {
  app: App;
  config: Config;
  store: TestStore['store'];
  bus: Bus;
  url: string;
  wsUrl: string;
  close(): Promise<void>;
}

export interface TestServerOptions {
  dialect?: Dialect;
  env?: Record<string, string>;
  clock?: Clock;
  logDestination?: DestinationStream;
  /** Share a store and bus between servers to run several nodes. */
  shared?: { store: TestStore; bus: Bus };
  /** The HTTPS agent for push services (the notification suites' local push endpoint). */
  pushAgent?: Agent;
  /** SQLite on a file in the data folder, as in production (appends and markers on the writer thread), not in memory. */
  sqliteFile?: boolean;
}

/** A real server on a free port, with its own database. */
export async function startServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'carechat-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    // No web app unless a test asks for one: whether apps/web was built must not change a test.
    WEB_DIST_DIR: join(dataDir, 'no-web-app'),
    JWT_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    LOG_LEVEL: options.logDestination ? 'trace' : 'silent',
    // Suites about transport and delivery run on the open policy; the care suites choose theirs.
    MESSAGING_POLICY: 'open',
    // Tests drive doctor_ready checks themselves, on their own clock.
    DOCTOR_READY_CHECK_SECONDS: '0',
    // Suites move their clock by hours and days; the security suites turn idle logoff back on.
    SESSION_IDLE_MINUTES: '0',
    // Suites send hundreds of messages per user as fast as they can; the limits suite sets its own.
    SEND_RATE_PER_SECOND: '0',
    // Suites register dozens of users from 127.0.0.1 and book freely; security-signin sets its own.
    SIGNUPS_PER_HOUR_PER_ADDRESS: '0',
    APPOINTMENT_REQUESTS_PER_HOUR: '0',
    GROUPS_PER_HOUR: '0',
    // Suites sign practitioners up and book them at once; the approval suite turns `pending` on.
    // (the old name, so a suite's ALLOW_PRACTITIONER_SIGNUP=false or PRACTITIONER_SIGNUP wins).
    ALLOW_PRACTITIONER_SIGNUP: 'true',
    ...options.env,
  });
  const testStore =
    options.shared?.store ??
    (await createTestStore(
      options.dialect ?? 'sqlite',
      options.sqliteFile ? { sqliteFile: join(dataDir, 'carechat.sqlite') } : {},
    ));
  const bus = options.shared?.bus ?? new MemoryBus();
  const app = await buildApp(config, {
    store: testStore.store,
    bus,
    logger: createLogger(config.logLevel, options.logDestination),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.pushAgent ? { pushAgent: options.pushAgent } : {}),
  });
  const { url } = await app.listen(0, '127.0.0.1');
  return {
    app,
    config,
    store: testStore.store,
    bus,
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    async close() {
      await app.close();
      if (!options.shared) {
        await bus.close();
        await testStore.dispose();
      }
    },
  };
}
