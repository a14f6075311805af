import { readFileSync } from 'node:fs';
import { CookieJar, JSDOM } from 'jsdom';

/**
 * A server-rendered page with its inline script running, in jsdom: what Django sends a browser
 * (seed 000's chat room). The page's `fetch` is the browser's: relative URLs resolve against the
 * page, and the site's cookies (HttpOnly ones too, which the script cannot read) go with them.
 */
export function openTemplatePage(options: {
  url: string;
  template: string;
  context: Record<string, string>;
  cookies: string[];
}): { window: JSDOM['window']; logs: string[]; close(): void } {
  const jar = new CookieJar();
  for (const cookie of options.cookies) jar.setCookieSync(cookie, options.url);
  const logs: string[] = [];
  const dom = new JSDOM(renderDjangoTemplate(options.template, options.context), {
    url: options.url,
    runScripts: 'dangerously',
    pretendToBeVisual: true,
    cookieJar: jar,
    beforeParse(window) {
      const page = window as unknown as { fetch: typeof fetch; console: Console };
      page.fetch = async (input, init) => {
        const url = new URL(String(input), options.url);
        const headers = new Headers(init?.headers);
        const cookie = jar.getCookieStringSync(url.href);
        if (cookie) headers.set('cookie', cookie);
        return fetch(url, { ...init, headers });
      };
      page.console.log = (...args: unknown[]) => logs.push(args.map(String).join(' '));
    },
  });
  return { window: dom.window, logs, close: () => dom.window.close() };
}

/** What Django's template engine does with this template: comments out, variables in. */
export function renderDjangoTemplate(template: string, context: Record<string, string>): string {
  return template
    .replace(/\{% comment %\}[\s\S]*?\{% endcomment %\}/g, '')
    .replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, name: string) => context[name] ?? '');
}

export function readClientFile(path: string): string {
  return readFileSync(new URL(`../clients/${path}`, import.meta.url), 'utf8');
}
