/**
 * The layers and what each may import (docs/architecture.md). `npm run lint` fails on any
 * violation. The core owns its ports (packages/server/src/core/ports) and knows nothing of the
 * frameworks and drivers outside it; doors reach the store only through the core.
 */
const SERVER = '^packages/server/src';
const FRAMEWORKS = [
  'fastify',
  '@fastify/',
  'ws',
  'socket\\.io',
  'kysely',
  'ioredis',
  'pg',
  'better-sqlite3',
  'pino',
  'prom-client',
];

module.exports = {
  forbidden: [
    {
      name: 'core-is-framework-free',
      comment: 'The core declares its ports and imports no store, bus, door, framework or driver.',
      severity: 'error',
      from: { path: `${SERVER}/core` },
      to: {
        path: [
          `${SERVER}/(store|bus|doors)/`,
          `${SERVER}/(app|main|config|log|metrics|demo|session-sweep)\\.ts$`,
          ...FRAMEWORKS.map((name) => `node_modules/${name}`),
        ],
      },
    },
    {
      name: 'doors-go-through-the-core',
      comment: 'A door translates a wire format into core calls; it never queries the store or bus.',
      severity: 'error',
      from: { path: `${SERVER}/doors` },
      to: { path: `${SERVER}/(store|bus)/` },
    },
    {
      name: 'live-layer-sits-below-the-doors',
      comment:
        'The live-session layer (admission, sessions, ordering, drain) serves every door: it uses the core and knows no door, store or bus.',
      severity: 'error',
      from: { path: `${SERVER}/live` },
      to: {
        path: [
          `${SERVER}/(store|bus|doors)/`,
          `${SERVER}/(app|main|config|demo)\\.ts$`,
          'node_modules/(fastify|@fastify/|ws|socket\\.io|kysely|ioredis|pg|better-sqlite3)',
        ],
      },
    },
    {
      name: 'infrastructure-knows-no-door',
      comment: 'Stores and buses implement the core ports; they never reach a door.',
      severity: 'error',
      from: { path: `${SERVER}/(store|bus)` },
      to: { path: `${SERVER}/doors/` },
    },
    {
      name: 'protocol-stands-alone',
      comment: 'The wire package is shared by server, SDK and web app, and depends on none of them.',
      severity: 'error',
      from: { path: '^packages/protocol' },
      to: { path: '^(packages/(server|client)|apps)/' },
    },
    {
      name: 'client-is-not-the-server',
      comment: 'The SDK runs in browsers: it shares the protocol package, never server code.',
      severity: 'error',
      from: { path: '^(packages/(client|react)/src|apps/web/src)' },
      to: { path: '^packages/server' },
    },
    {
      name: 'no-circular',
      comment: 'Import circles hide which module owns a rule.',
      severity: 'error',
      from: { path: '^(packages|apps)/' },
      to: { circular: true },
    },
  ],
  options: {
    // TypeScript 7 has no JavaScript API; swc reads the sources instead.
    parser: 'swc',
    doNotFollow: { path: 'node_modules' },
    // swc reads TypeScript but not TSX: the web app's components (.tsx) are not cruised; its
    // logic (apps/web/src/lib, .ts) is.
    exclude: { path: ['/dist/', '\\.tsx$'] },
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['@carechat/source', 'import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.d.ts'],
    },
  },
};
