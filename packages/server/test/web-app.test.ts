import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './helpers/server.js';

/** The built web app at `/`: its own paths get index.html; API and socket paths never do. */
describe('web app door', () => {
  let dist: string;
  let server: TestServer;
  let bare: TestServer;

  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), 'carechat-dist-'));
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><div id="root"></div>');
    writeFileSync(join(dist, 'assets', 'app-abc123.js'), 'console.log(1)');
    server = await startServer({ env: { WEB_DIST_DIR: dist } });
    bare = await startServer({ env: { WEB_DIST_DIR: join(dist, 'missing') } });
  });
  afterAll(async () => {
    await server.close();
    await bare.close();
    rmSync(dist, { recursive: true, force: true });
  });

  it.each(['/', '/chat', '/chat/cnv_123', '/login'])(
    'answers %s with the app, never cached',
    async (path) => {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toContain('<div id="root">');
    },
  );

  it('serves hashed assets for a year', async () => {
    const res = await fetch(`${server.url}/assets/app-abc123.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it.each(['/api/nope', '/api/conversations/x/nope', '/ws/nope'])('keeps %s out of the app', async (path) => {
    const res = await fetch(`${server.url}${path}`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('gives the app a path that only looks like a reserved one', async () => {
    expect((await fetch(`${server.url}/apiary`)).status).toBe(200);
    expect((await fetch(`${server.url}/metricsx/y`)).status).toBe(200);
  });

  it('still answers the API and health routes', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/api/me`)).status).toBe(401);
  });

  it('serves nothing at / when the app has not been built', async () => {
    const res = await fetch(`${bare.url}/`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});
