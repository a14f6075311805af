import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { AppointmentResponse, HistoryResponse, ServerTokenResponse } from '@carechat/protocol';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, openBrowser } from '../../../apps/web/test/helpers/browser.js';
import { until } from '../../../apps/web/test/helpers/wait.js';
import { request } from '../../server/test/helpers/http.js';
import { TEST_SERVER_API_KEY } from '../../server/test/helpers/security.js';
import { startServer, type TestServer } from '../../server/test/helpers/server.js';
import { type CodeBlock, codeBlocks } from './helpers/markdown-blocks.js';
import { REPO_ROOT, runAsync } from './helpers/scratch-project.js';

const run = (command: string, args: string[], env: Record<string, string>) =>
  runAsync(command, args, REPO_ROOT, { ...process.env, ...env });

/**
 * Every example of docs/integration.md and docs/client.md, run as written against a real server:
 * shell blocks in bash (one script per page, in order), Node blocks with tsx, browser blocks
 * bundled with esbuild into a page of a host site on another origin (listed in CORS_ORIGINS) in
 * Chromium. The docs' placeholder address of carechat is the server's; the browser's token comes
 * from the host's `/my-app/carechat-token`, as the examples say.
 */

const INTEGRATION = join(REPO_ROOT, 'docs/integration.md');
const CLIENT = join(REPO_ROOT, 'docs/client.md');
const DOCS_CARECHAT = 'https://chat.clinic.example';
const WORK = join(REPO_ROOT, '.test-results/docs-examples');

describe('the examples in the docs', () => {
  let server: TestServer;
  let host: Server;
  let hostOrigin: string;
  let browser: Browser | undefined;
  let bundle = '';
  let patientToken: string;
  let doctorToken: string;
  let conversationId: string;

  const serverApi = <T>(method: string, path: string, body?: unknown) =>
    request<T>(server.url, method, path, {
      token: TEST_SERVER_API_KEY,
      ...(body === undefined ? {} : { body }),
    });

  beforeAll(async () => {
    mkdirSync(WORK, { recursive: true });
    // The host's site: the page that runs a browser example, and the token endpoint it calls.
    host = createServer(async (req, res) => {
      if (req.url === '/my-app/carechat-token') {
        const minted = await serverApi<ServerTokenResponse>('POST', '/api/server/users/docs-patient/tokens');
        res.writeHead(200, { 'content-type': 'text/plain' }).end(minted.body.access_token);
      } else if (req.url === '/app.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
      } else {
        res
          .writeHead(200, { 'content-type': 'text/html' })
          .end('<!doctype html><title>Clinic</title><body><script type="module" src="/app.js"></script>');
      }
    });
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    const address = host.address();
    hostOrigin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    server = await startServer({
      env: {
        SERVER_API_KEY: TEST_SERVER_API_KEY,
        // What docs/integration.md section 8 tells the operator to set, and the test host's origin.
        CORS_ORIGINS: `https://clinic.example,${hostOrigin}`,
        MESSAGING_POLICY: 'appointment',
      },
    });
    // A patient and a practitioner of the host, with an accepted appointment (so a conversation).
    await serverApi('PUT', '/api/server/users/docs-doctor', { name: 'Dr. Docs', role: 'practitioner' });
    await serverApi('PUT', '/api/server/users/docs-patient', { name: 'Pat Docs', role: 'patient' });
    const soon = Date.now() + 3_600_000;
    const appointment = await serverApi<AppointmentResponse>('PUT', '/api/server/appointments/docs-apt', {
      patient_external_id: 'docs-patient',
      practitioner_external_id: 'docs-doctor',
      starts_at: new Date(soon).toISOString(),
      ends_at: new Date(soon + 1_800_000).toISOString(),
      status: 'accepted',
    });
    conversationId = appointment.body.appointment.consultation!.conversation_id!;
    patientToken = (await serverApi<ServerTokenResponse>('POST', '/api/server/users/docs-patient/tokens'))
      .body.access_token;
    doctorToken = (await serverApi<ServerTokenResponse>('POST', '/api/server/users/docs-doctor/tokens')).body
      .access_token;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    host?.closeAllConnections();
    await new Promise((resolve) => host?.close(resolve));
  });

  const history = async () =>
    (
      await request<HistoryResponse>(
        server.url,
        'GET',
        `/api/conversations/${conversationId}/messages?limit=200`,
        {
          token: doctorToken,
        },
      )
    ).body.messages;

  it('docs/integration.md: its shell examples, in order, as one script', async () => {
    const shell = codeBlocks(INTEGRATION).filter((b) => b.lang === 'sh');
    expect(shell.length).toBeGreaterThanOrEqual(9);
    const script = ['set -euo pipefail', ...shell.map((b) => `# ${b.where}\n${b.code}`)].join('\n');
    const out = await run('bash', ['-c', script], { CARECHAT: server.url, KEY: TEST_SERVER_API_KEY });
    // The sign-in link of section 9 was opened (and the second opening refused: `test … = 401`).
    expect(out).toContain(`303 ${server.url}/`);
    expect(out).toContain('access-control-allow-origin: https://clinic.example');
  });

  it('docs/client.md: its install line names the published packages', () => {
    const install = codeBlocks(CLIENT).filter((b) => b.lang === 'sh');
    expect(install).toHaveLength(1);
    const named = [...install[0]!.code.matchAll(/npm install (\S+)/g)].map((m) => m[1]);
    expect(named).toEqual(['@carechat/client', '@carechat/react', 'ws']);
  });

  const nodeBlocks = codeBlocks(CLIENT).filter((b) => b.lang === 'ts' && !b.tags.includes('browser'));
  it.each(nodeBlocks.map((b) => [b.where, b] as const))(
    'docs/client.md: the Node example at %s',
    async (_where, block) => {
      const before = (await history()).length;
      const file = join(WORK, `${block.where.replace(/\W+/g, '-')}.mts`);
      writeFileSync(file, block.code);
      const out = await run(process.execPath, ['--conditions=@carechat/source', '--import', 'tsx', file], {
        CARECHAT_URL: server.url,
        CARECHAT_TOKEN: patientToken,
        CONVERSATION_ID: conversationId,
      });
      expect(out.trim()).not.toBe('');
      // Whatever it sent is stored (the sends' promises resolved before it closed).
      const sent = [...block.code.matchAll(/client\.send\(/g)].length;
      expect((await history()).length).toBeGreaterThanOrEqual(before + Math.min(sent, 1));
    },
  );

  const browserBlocks = codeBlocks(CLIENT).filter((b) => b.tags.includes('browser'));
  it.each(browserBlocks.map((b) => [b.where, b] as const))(
    'docs/client.md: the browser example at %s, in a page of the host site',
    async (_where, block: CodeBlock) => {
      bundle = await bundleForBrowser(block, server.url);
      browser ??= await openBrowser();
      const page = await browser.context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      await page.goto(`${hostOrigin}/`);
      if (block.lang === 'tsx') {
        // The React example: the inbox, then a message typed into the chat and sent.
        await page.getByText(/^connected · \d+ unread$/).waitFor();
        await page.getByRole('heading', { name: /Dr\. Docs/ }).waitFor();
        await page.getByLabel('Message').fill('Sent from the React example');
        await page.getByRole('button', { name: 'Send' }).click();
        await page.getByText('Pat Docs: Sent from the React example').waitFor();
        await until(
          async () => (await history()).some((m) => m.content === 'Sent from the React example'),
          'the React example’s message stored',
        );
      } else {
        await until(
          async () => (await history()).some((m) => m.content === 'Hello, doctor'),
          'the edited send',
        );
        await page.getByText('connected', { exact: true }).waitFor();
        await page.getByText('Pat Docs: Hello doctor').waitFor();
      }
      // A message from the practitioner arrives live in the page.
      const live = `Live to the ${block.lang} example`;
      await request(server.url, 'POST', `/api/conversations/${conversationId}/messages`, {
        token: doctorToken,
        body: { client_msg_id: `docs-${block.lang}`, content: live },
      });
      await page.getByText(`Dr. Docs: ${live}`).waitFor();
      expect(errors).toEqual([]);
      await page.close();
    },
  );
});

/** The block as a page script: the docs' carechat address is the server's; React in production. */
async function bundleForBrowser(block: CodeBlock, carechatUrl: string): Promise<string> {
  const result = await build({
    stdin: {
      contents: block.code.replaceAll(DOCS_CARECHAT, carechatUrl),
      loader: block.lang === 'tsx' ? 'tsx' : 'ts',
      resolveDir: REPO_ROOT,
      sourcefile: block.where,
    },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    conditions: ['@carechat/source'],
    define: { 'process.env.NODE_ENV': '"production"' },
    write: false,
  });
  return result.outputFiles[0]!.text;
}
