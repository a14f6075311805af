import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  Conversation,
  HistoryResponse,
  ServerSignInLinkResponse,
  ServerTokenResponse,
} from '@carechat/protocol';
import type { FrameLocator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, sendHttp, type TestUser } from '../../../packages/server/test/helpers/http.js';
import { TEST_SERVER_API_KEY } from '../../../packages/server/test/helpers/security.js';
import { startServer, type TestServer } from '../../../packages/server/test/helpers/server.js';
import { type Browser, buildWebApp, openBrowser } from './helpers/browser.js';
import { until } from './helpers/wait.js';

/**
 * The web app inside a host's site, as docs/integration.md describes it: the host's server asks
 * carechat for a one-time sign-in link for its user and puts it in an iframe of its own page (a
 * second HTTP server, another origin); the user, who has no carechat password, chats in the frame.
 */
describe('the web app framed by a host site (Chromium)', () => {
  let dist: string;
  let carechat: TestServer;
  let host: Server;
  let hostOrigin: string;
  let browser: Browser;
  let doctor: TestUser;

  const serverApi = <T>(method: string, path: string, body?: unknown) =>
    request<T>(carechat.url, method, path, {
      token: TEST_SERVER_API_KEY,
      ...(body === undefined ? {} : { body }),
    });

  /** The host pushes its user and mints a token for them (what a Django view would do). */
  async function hostUser(externalId: string, name: string, role: 'patient' | 'practitioner') {
    await serverApi('PUT', `/api/server/users/${externalId}`, { name, role });
    const minted = await serverApi<ServerTokenResponse>('POST', `/api/server/users/${externalId}/tokens`);
    return minted.body;
  }

  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), 'carechat-web-dist-'));
    const built = buildWebApp(dist);
    // The host's own site: a page that embeds the chat for its signed-in patient. Same host name,
    // another port: another origin of the same site, as chat.clinic.example is to clinic.example.
    host = createServer(async (req, res) => {
      if (req.url !== '/') {
        res.writeHead(404).end();
        return;
      }
      const link = await serverApi<ServerSignInLinkResponse>(
        'POST',
        '/api/server/users/host-patient/sign-in-links',
      );
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><title>Clinic portal</title><h1>Your clinic</h1>
<iframe src="${link.body.url}" title="Chat with your care team" width="1000" height="700"></iframe>`);
    });
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    const address = host.address();
    hostOrigin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    await built;
    carechat = await startServer({
      env: {
        WEB_DIST_DIR: dist,
        SERVER_API_KEY: TEST_SERVER_API_KEY,
        FRAME_ANCESTORS: hostOrigin,
        MESSAGING_POLICY: 'open',
      },
    });
    const doctorSession = await hostUser('host-doctor', 'Dr. Framed', 'practitioner');
    const patientSession = await hostUser('host-patient', 'Pat Framed', 'patient');
    doctor = { user: doctorSession.user, token: doctorSession.access_token } as TestUser;
    await request<{ conversation: Conversation }>(carechat.url, 'POST', '/api/conversations', {
      token: doctor.token,
      body: { participant_ids: [patientSession.user.id] },
    });
    browser = await openBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await carechat?.close();
    host?.closeAllConnections();
    await new Promise((resolve) => host?.close(resolve));
    rmSync(dist, { recursive: true, force: true });
  });

  it('signs the host’s user in through the link, inside the frame, and they chat live', async () => {
    const page = browser.page;
    await page.goto(`${hostOrigin}/`);
    await page.getByRole('heading', { name: 'Your clinic' }).waitFor();
    const frame: FrameLocator = page.frameLocator('iframe[title="Chat with your care team"]');
    // Signed in without a password: the app's own navigation shows, not the login form.
    await frame.getByRole('navigation', { name: 'Main' }).waitFor();
    await frame
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: /Messages/ })
      .click();
    const list = frame.getByRole('list', { name: 'Conversations' });
    await list.getByRole('link', { name: /Dr\. Framed/ }).click();
    const composer = frame.getByRole('textbox', { name: 'Message' });
    await composer.waitFor();

    const { body: conversations } = await request<{ conversations: Conversation[] }>(
      carechat.url,
      'GET',
      '/api/conversations',
      { token: doctor.token },
    );
    const conversationId = conversations.conversations[0]!.id;
    await sendHttp(carechat.url, doctor, conversationId, 'Hello from your doctor');
    await frame.getByRole('log').getByText('Hello from your doctor', { exact: true }).waitFor();

    await composer.pressSequentially('Thanks, see you on Monday');
    await composer.press('Enter');
    await until(async () => {
      const history = await request<HistoryResponse>(
        carechat.url,
        'GET',
        `/api/conversations/${conversationId}/messages`,
        { token: doctor.token },
      );
      return history.body.messages.some((m) => m.content === 'Thanks, see you on Monday');
    }, 'the patient’s message stored');
    // The host's page stayed where it was: the app lives in the frame.
    expect(new URL(page.url()).origin).toBe(hostOrigin);
  });

  it('a page of an origin not in FRAME_ANCESTORS cannot frame it', async () => {
    const other = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><iframe src="${carechat.url}/login" title="chat"></iframe>`);
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const address = other.address();
      const page = await browser.context.newPage();
      await page.goto(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`);
      // Chromium refuses to render the answer and shows its error page in the frame instead.
      await until(
        async () => page.frames()[1]?.url().startsWith('chrome-error:') ?? false,
        'the frame refused',
      );
      expect(await page.frameLocator('iframe').getByLabel('Email').count()).toBe(0);
      await page.close();
    } finally {
      other.closeAllConnections();
      await new Promise((resolve) => other.close(resolve));
    }
  });
});
