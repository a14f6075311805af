import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { CLOSE_CODES } from '@carechat/protocol';
import type { Logger } from 'pino';
import { buildApp } from './app.js';
import { MemoryBus } from './bus/memory-bus.js';
import { openBus } from './bus/open-bus.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { isCoreError } from './core/errors.js';
import { DEMO_PASSWORD, DEMO_USERS, seedDemo } from './demo.js';
import { createLogger } from './log.js';
import { createMetrics } from './metrics.js';
import { openStore } from './store/open-store.js';
import type { IpcChannel } from './workers/ipc-bus.js';
import { runPrimary } from './workers/primary.js';

/** `carechat serve [--seed-demo]`, `carechat migrate`, `carechat seed-demo`, `carechat create-admin`. */
async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'seed-demo': { type: 'boolean', default: false }, workers: { type: 'string' } },
  });
  const command = positionals[0] ?? 'serve';
  const config = loadConfig();
  const workers = values.workers === undefined ? config.workers : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
    throw new ConfigError('--workers takes a whole number from 1 to 64');
  }
  const logger = createLogger(config.logLevel).child({ node: config.nodeId });

  const storeOptions = {
    url: config.databaseUrl,
    poolSize: config.databasePoolSize,
    ...(config.databaseSchema === undefined ? {} : { schema: config.databaseSchema }),
    // A worker's primary migrated before starting it: N workers migrating one SQLite file at once
    // would only wait on each other's locks.
    migrate: !cluster.isWorker,
  };
  if (command === 'migrate') {
    const store = await openStore(storeOptions);
    await store.close();
    logger.info('migrations applied');
    return;
  }
  if (command !== 'serve' && command !== 'seed-demo' && command !== 'create-admin') {
    throw new ConfigError(`unknown command "${command}": use serve, migrate, seed-demo or create-admin`);
  }
  if (command === 'serve' && workers > 1 && cluster.isPrimary) {
    await startWorkers(config, workers, values['seed-demo'] === true, logger);
    return;
  }
  // A worker's primary already migrated and seeded; it serves.
  const seed = values['seed-demo'] === true && !cluster.isWorker;

  const store = await openStore(storeOptions);
  const metrics = createMetrics({ nodeId: config.nodeId });
  const opened = await openBus(
    config,
    metrics,
    logger,
    cluster.isWorker ? (process as IpcChannel) : undefined,
  );
  const app = await buildApp(config, {
    store,
    bus: opened.bus,
    logger,
    metrics,
    ...(opened.presence ? { presence: opened.presence } : {}),
  });

  if (command === 'create-admin') {
    // From the environment, not arguments: a password in argv shows in `ps` and shell history.
    const { ADMIN_EMAIL: email, ADMIN_NAME: name, ADMIN_PASSWORD: password } = process.env;
    try {
      if (!email || !name || !password) {
        throw new ConfigError('create-admin: set ADMIN_EMAIL, ADMIN_NAME and ADMIN_PASSWORD');
      }
      const admin = await app.core.auth.createAdmin({ email, name, password }).catch((error: unknown) => {
        throw isCoreError(error) ? new ConfigError(`create-admin: ${error.message}`) : error;
      });
      process.stdout.write(`admin ${admin.id} created\n`);
    } finally {
      await app.close();
      await opened.close();
      await store.close();
    }
    return;
  }
  if (command === 'seed-demo' || seed) {
    const created = await seedDemo(app.core);
    printDemoAccounts(created);
  }
  if (command === 'seed-demo') {
    await app.close();
    await opened.close();
    await store.close();
    return;
  }

  const { port } = await app.listen();
  logger.info(
    { port, node: config.nodeId, dialect: store.dialect, redis: config.redisUrl !== undefined },
    'listening',
  );
  // The primary of `--workers N` says it once for all of them.
  if (!cluster.isWorker) process.stdout.write(`\ncarechat is running at http://localhost:${port}\n\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // Whatever happens below, the process is gone within 10 s of the signal.
    const force = setTimeout(() => {
      logger.error('shutdown took too long: exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    force.unref();
    try {
      await app.close(CLOSE_CODES.serviceRestart);
      await opened.close();
      await store.close();
      logger.info('stopped');
      process.exit(0);
    } catch (error) {
      logger.error({ err: { type: (error as Error).name } }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/**
 * `serve --workers N`: migrations and demo data once, here, then N worker processes on one port
 * (workers/primary.ts). SQLite works too: the workers share its file (each commit takes the write
 * lock), which is why an in-memory database cannot be shared.
 */
async function startWorkers(config: Config, workers: number, seed: boolean, logger: Logger): Promise<void> {
  if (/^sqlite::memory:|^sqlite:$/.test(config.databaseUrl)) {
    throw new ConfigError('--workers needs a database the workers can share: not an in-memory SQLite');
  }
  const store = await openStore({
    url: config.databaseUrl,
    poolSize: 2,
    ...(config.databaseSchema === undefined ? {} : { schema: config.databaseSchema }),
  });
  try {
    if (seed) {
      const app = await buildApp(config, { store, bus: new MemoryBus(), logger });
      printDemoAccounts(await seedDemo(app.core));
      await app.close();
    }
  } finally {
    await store.close();
  }
  runPrimary({
    workers,
    nodeId: config.nodeId,
    relay: config.redisUrl === undefined,
    logger,
    onListening: (port) =>
      process.stdout.write(`\ncarechat is running at http://localhost:${port} (${workers} workers)\n\n`),
  });
}

/** Orchestrators (systemd, Kubernetes) wait about 10 s before SIGKILL. */
const SHUTDOWN_DEADLINE_MS = 9_500;

/** Demo accounts go to the terminal for the person starting the server, never into the logs. */
function printDemoAccounts(created: boolean): void {
  const lines = [
    created ? 'Demo data created. Sign in with:' : 'Demo accounts:',
    ...DEMO_USERS.map((u) => `  ${u.role.padEnd(13)} ${u.email}`),
    `  password      ${DEMO_PASSWORD}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(
      `carechat failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
  }
  process.exit(1);
});
