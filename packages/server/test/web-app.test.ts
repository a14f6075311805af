import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './helpers/server.js';

const HTML = '<!doctype html><div id="root"></div>';
const SCRIPT = `console.log(${JSON.stringify('a compressible line. '.repeat(200))})`;

/** The built web app at `/`: its own paths get index.html; API and socket paths never do. */
describe('web app door', () => {
  let dist: string;
  let server: TestServer;
  let bare: TestServer;

  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), 'carechat-dist-'));
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), HTML);
    writeFileSync(join(dist, 'assets', 'app-abc123.js'), SCRIPT);
    // What the build writes beside each text asset (decision 1407), and a map left by an old build.
    writeFileSync(join(dist, 'assets', 'app-abc123.js.br'), brotliCompressSync(SCRIPT));
    writeFileSync(join(dist, 'assets', 'app-abc123.js.gz'), gzipSync(SCRIPT));
    writeFileSync(join(dist, 'assets', 'app-abc123.js.map'), '{"version":3,"sources":["secret.ts"]}');
    writeFileSync(join(dist, 'index.html.gz'), gzipSync(HTML));
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

  it.each([
    ['br', 'br'],
    ['gzip, deflate, br', 'br'],
    ['gzip', 'gzip'],
  ])('serves an asset precompressed to a client that accepts %s', async (accepts, encoding) => {
    const res = await fetch(`${server.url}/assets/app-abc123.js`, {
      headers: { 'accept-encoding': accepts },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe(encoding);
    expect(res.headers.get('vary')).toMatch(/accept-encoding/i);
    expect(res.headers.get('content-type')).toContain('javascript');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await res.text()).toBe(SCRIPT);
  });

  it('serves the plain file, with Vary, to a client that accepts no compression', async () => {
    const res = await fetch(`${server.url}/assets/app-abc123.js`, {
      headers: { 'accept-encoding': 'identity' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(res.headers.get('vary')).toMatch(/accept-encoding/i);
    expect(await res.text()).toBe(SCRIPT);
  });

  it('serves index.html precompressed on the app paths, still never cached', async () => {
    const res = await fetch(`${server.url}/chat/cnv_123`, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('vary')).toMatch(/accept-encoding/i);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.text()).toBe(HTML);
  });

  it.each([
    '/assets/app-abc123.js.map',
    '/assets/app-abc123.js.br',
    '/assets/app-abc123.js.gz',
    '/assets/missing-1.js',
  ])('answers %s with 404, not with the app', async (path) => {
    const res = await fetch(`${server.url}${path}`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});
