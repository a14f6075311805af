import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConversation, registerUser, type TestUser } from '../../server/test/helpers/http.js';
import { startServer, type TestServer } from '../../server/test/helpers/server.js';
import { BROWSER_BUDGET_BYTES, bundledInputs } from './helpers/bundle-budget.js';
import {
  packPublishedPackages,
  REPO_ROOT,
  run,
  runAsync,
  scratchProject,
  strangerEnv,
} from './helpers/scratch-project.js';

/**
 * The packages as a stranger gets them: packed as they would be published, installed from the
 * tarballs into a project outside this repository, then used from Node 20, from TypeScript and
 * from a browser bundle.
 */
describe('the published packages, installed outside the repository', () => {
  let server: TestServer;
  let scratch: string;
  let tarballs: string[];

  beforeAll(async () => {
    server = await startServer();
    tarballs = packPublishedPackages();
    scratch = scratchProject(tarballs, {
      ws: '^8.18.0',
      react: '^19.0.0',
      'react-dom': '^19.0.0',
      '@types/react': '^19.0.0',
    });
  }, 300_000);
  afterAll(async () => {
    await server?.close();
    for (const dir of [scratch, ...tarballs.slice(0, 1).map((t) => dirname(t))]) {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  it('each tarball holds the build, its types, the manifest and the licence, and no test or source', () => {
    for (const tarball of tarballs) {
      const files = run('tar', ['-tzf', tarball], REPO_ROOT).trim().split('\n');
      expect(
        files.every((f) => /^package\/(package\.json|README\.md|LICENSE|dist\/.+\.(js|d\.ts))$/.test(f)),
      ).toBe(true);
      expect(files).toContain('package/dist/index.d.ts');
    }
    const client = JSON.parse(
      readFileSync(join(scratch, 'node_modules/@carechat/client/package.json'), 'utf8'),
    );
    const protocol = JSON.parse(
      readFileSync(join(scratch, 'node_modules/@carechat/protocol/package.json'), 'utf8'),
    );
    expect(client.dependencies['@carechat/protocol']).toBe(protocol.version);
  });

  it('a Node 20 script signs in, sends and receives with the installed SDK', async () => {
    const [doctor, patient] = await Promise.all([
      registerUser(server.url, { role: 'practitioner', name: 'Dr Install' }),
      registerUser(server.url, { name: 'Pat Install' }),
    ]);
    const conversation = await openConversation(server.url, doctor, patient);
    writeFileSync(join(scratch, 'chat.mjs'), NODE_SCRIPT);
    const out = await runAsync(
      process.execPath,
      ['chat.mjs'],
      scratch,
      strangerEnv({
        CARECHAT_URL: server.url,
        SENDER_EMAIL: doctor.email,
        RECEIVER_EMAIL: patient.email,
        PASSWORD: (patient as TestUser).password,
        CONVERSATION_ID: conversation.id,
      }),
    );
    const result = JSON.parse(out.trim().split('\n').at(-1) ?? '{}');
    expect(result).toEqual({
      stored: 1,
      received: 1,
      content: 'hello from the tarball',
      transport: 'websocket',
    });
  });

  it('a TypeScript file type-checks against the installed types (and a wrong call does not)', () => {
    writeFileSync(join(scratch, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    writeFileSync(join(scratch, 'app.ts'), TYPED_APP);
    const tsc = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
    run(process.execPath, [tsc, '-p', 'tsconfig.json'], scratch);
    writeFileSync(join(scratch, 'app.ts'), `${TYPED_APP}\nclient.send('only one argument');\n`);
    expect(() => run(process.execPath, [tsc, '-p', 'tsconfig.json'], scratch)).toThrow(/TS2554/);
  });

  it(`a browser bundle of the SDK (esbuild, minified) is under ${BROWSER_BUDGET_BYTES / 1024} KB gzipped`, async () => {
    writeFileSync(join(scratch, 'browser.mjs'), BROWSER_ENTRY);
    const result = await build({
      absWorkingDir: scratch,
      entryPoints: ['browser.mjs'],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      metafile: true,
    });
    const inputs = bundledInputs(result.metafile);
    expect(inputs.some((path) => path.includes('node_modules/@carechat/client/dist/'))).toBe(true);
    expect(inputs.filter((path) => path.includes('zod'))).toEqual([]);
    const gzipped = gzipSync(result.outputFiles[0]!.contents, { level: 9 }).length;
    expect(gzipped).toBeLessThan(BROWSER_BUDGET_BYTES);
    // The React hooks on top of it stay small as well (React itself left to the app).
    writeFileSync(join(scratch, 'hooks.mjs'), "export * from '@carechat/react';\n");
    const hooks = await build({
      absWorkingDir: scratch,
      entryPoints: ['hooks.mjs'],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      external: ['react'],
    });
    expect(gzipSync(hooks.outputFiles[0]!.contents, { level: 9 }).length).toBeLessThan(BROWSER_BUDGET_BYTES);
  });
});

const NODE_SCRIPT = `import { createClient } from '@carechat/client';
import WebSocket from 'ws';

const { CARECHAT_URL: baseUrl, SENDER_EMAIL, RECEIVER_EMAIL, PASSWORD, CONVERSATION_ID } = process.env;

async function signIn(email) {
  const response = await fetch(baseUrl + '/api/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  if (!response.ok) throw new Error('sign-in failed: ' + response.status);
  return (await response.json()).access_token;
}

const receiver = createClient({ baseUrl, token: await signIn(RECEIVER_EMAIL), WebSocket });
const received = new Promise((resolve) => receiver.on('message', resolve));
await receiver.conversations();
const sender = createClient({ baseUrl, token: await signIn(SENDER_EMAIL), WebSocket });
const stored = await sender.send(CONVERSATION_ID, 'hello from the tarball');
const message = await received;
console.log(JSON.stringify({ stored: stored.seq, received: message.seq, content: message.content, transport: receiver.transport }));
sender.close();
receiver.close();
`;

const TSCONFIG = {
  compilerOptions: {
    strict: true,
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2022', 'DOM'],
    types: [],
    noEmit: true,
    skipLibCheck: false,
  },
  files: ['app.ts'],
};

const TYPED_APP = `import { type CarechatClient, type ConnectionState, createClient, messageTick } from '@carechat/client';
import { type Conversation, type Message, unreadTotal } from '@carechat/protocol';
import { CarechatProvider, useConversation, useUnreadTotal } from '@carechat/react';

export const client: CarechatClient = createClient({ baseUrl: 'https://chat.example.com', autoConnect: false });
export const state: ConnectionState = client.state;
export async function firstSeq(conversationId: string): Promise<number> {
  const message: Message = await client.send(conversationId, 'hello');
  return message.seq;
}
export const badge = (list: Conversation[]): number => unreadTotal(list);
export const tick = (message: Message, conversation: Conversation) => messageTick(message, conversation, 'me');
export const hooks = [CarechatProvider, useConversation, useUnreadTotal] as const;
`;

const BROWSER_ENTRY = `import { createClient } from '@carechat/client';
export function startChat(baseUrl, getToken) {
  const client = createClient({ baseUrl, getToken });
  client.on('message', (message) => console.log(message.seq));
  return client;
}
`;
