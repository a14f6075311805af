import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The workspace packages from their TypeScript sources, not their published dist/ builds.
  resolve: { conditions: ['@carechat/source', ...defaultClientConditions] },
  // Server code resolves packages as Node does, without the bundlers' `module` condition: the AWS
  // SDK's `module` builds (dist-es) are for bundlers only (imports without file extensions).
  ssr: {
    resolve: {
      conditions: ['@carechat/source', ...defaultServerConditions.filter((c) => c !== 'module')],
    },
  },
  test: {
    globalSetup: ['packages/server/test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // …and Node's own resolution in the test processes (worker threads, native imports) as well.
    execArgv: ['--conditions=@carechat/source'],
    // Two cores: a few files at a time keeps timing-sensitive socket tests honest.
    maxWorkers: 3,
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/*.solo.test.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        // Heavy end-to-end runs (the chaos test) take the machine to themselves, after the rest,
        // so they neither slow the others past their timeouts nor get slowed by them.
        extends: true,
        test: {
          name: 'solo',
          include: ['packages/*/test/**/*.solo.test.ts', 'apps/*/test/**/*.solo.test.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
