import { parseArgs } from 'node:util';
import { CLOSE_CODES } from '@carechat/protocol';
import { buildApp } from './app.js';
import { MemoryBus } from './bus/memory-bus.js';
import { ConfigError, loadConfig } from './config.js';
import { DEMO_PASSWORD, DEMO_USERS, seedDemo } from './demo.js';
import { createLogger } from './log.js';
import { openStore } from './store/open-store.js';

/** `carechat serve [--seed-demo]`, `carechat migrate`, `carechat seed-demo`. */
async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'seed-demo': { type: 'boolean', default: false } },
  });
  const command = positionals[0] ?? 'serve';
  const config = loadConfig();
  const logger = createLogger(config.logLevel);

  if (command === 'migrate') {
    const store = await openStore({ url: config.databaseUrl, schema: config.databaseSchema });
    await store.close();
    logger.info('migrations applied');
    return;
  }
  if (command !== 'serve' && command !== 'seed-demo') {
    throw new ConfigError(`unknown command "${command}": use serve, migrate or seed-demo`);
  }

  const store = await openStore({ url: config.databaseUrl, schema: config.databaseSchema });
  const bus = new MemoryBus();
  const app = await buildApp(config, { store, bus, logger });

  if (command === 'seed-demo' || values['seed-demo']) {
    const created = await seedDemo(app.core);
    printDemoAccounts(created);
  }
  if (command === 'seed-demo') {
    await app.close();
    await store.close();
    return;
  }

  const { port } = await app.listen();
  process.stdout.write(`\ncarechat is running at http://localhost:${port}\n\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await app.close(CLOSE_CODES.serviceRestart);
    await bus.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

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
