#!/usr/bin/env node
// The `carechat` command (serve, migrate, seed-demo, create-admin): the built server, which
// `npm run build:server` writes to dist/ (`npm start` and `npm run serve` build it first).
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('carechat is not built: run `npm run build:server` in the repository first\n');
  process.exit(1);
}
// Stack traces in logs and crash reports name the TypeScript sources, not the built file.
process.setSourceMapsEnabled(true);
await import(main.href);
