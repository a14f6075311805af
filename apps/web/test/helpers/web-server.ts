import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { TestUser } from '../../../../packages/server/test/helpers/http.js';
import { startServer, type TestServer } from '../../../../packages/server/test/helpers/server.js';
import { type Browser, buildWebApp, DESKTOP, openBrowser, signIn } from './browser.js';

export interface WebAppServer {
  server: TestServer;
  /** The build it serves (its own folder). */
  dist: string;
  close(): Promise<void>;
}

/** A fresh production build of the web app, served by a real server on a free port. */
export async function startWebAppServer(env: Record<string, string> = {}): Promise<WebAppServer> {
  const dist = mkdtempSync(join(tmpdir(), 'carechat-web-dist-'));
  await buildWebApp(dist);
  const server = await startServer({ env: { WEB_DIST_DIR: dist, ...env } });
  return {
    server,
    dist,
    async close() {
      await server.close();
      rmSync(dist, { recursive: true, force: true });
    },
  };
}

/**
 * The browsers a test opened, closed together after it (one or two at a time on a shared
 * machine), each a fresh profile.
 */
export class Browsers {
  readonly #open: Browser[] = [];

  async open(viewport = DESKTOP): Promise<Browser> {
    const browser = await openBrowser({ viewport });
    this.#open.push(browser);
    return browser;
  }

  /** A browser in which `user` has signed in through the form. */
  async signedIn(baseUrl: string, user: TestUser, viewport = DESKTOP): Promise<Page> {
    const { page } = await this.open(viewport);
    await signIn(page, baseUrl, user.email, user.password);
    return page;
  }

  async closeAll(): Promise<void> {
    for (const browser of this.#open.splice(0)) await browser.close();
  }
}
