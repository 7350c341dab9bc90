import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installFromDebian } from '../../infra/stack/install';
import { toolPaths } from '../../infra/stack/paths';
import { buildAccessReport, renderHtml } from '../../services/access/report';
import { loadConfig } from '../../services/config';
import type { PersonRecord } from '../../services/reconcile/gather';
import { launchChromium, type Browser, type Page } from '../support/chromium';
import { makeEvent } from '../support/events';

/**
 * The access report's HTML page in a real headless Chromium (Debian's): it shows every row, the
 * filter and the selects narrow them, and a name crafted as markup stays text: no element is made
 * from it and no script of it runs.
 */
const say = (line: string) => process.stderr.write(`[access-report] ${line}\n`);
const person = (key: string, over: Partial<PersonRecord['person']>, holdings: PersonRecord['holdings']): PersonRecord => ({
  personKey: key,
  person: { ...makeEvent({ personKey: key, type: 'jml.joiner' }).data.person, ...over },
  holdings,
});

describe('access report page in a real browser', () => {
  let chromium: string | undefined;
  let missing = '';
  let browser: Browser | undefined;
  let dir: string;
  let page: Page;

  beforeAll(async () => {
    chromium = await installFromDebian({ binary: 'chromium', packages: ['chromium'], say, paths: toolPaths(loadConfig().cacheDir) }).catch((err: unknown) => {
      missing = (err as Error).message;
      return undefined;
    });
    if (!chromium) return;
    dir = await mkdtemp(join(tmpdir(), 'jml-access-'));
    const report = buildAccessReport({
      people: [
        person('test:ada', { givenName: 'Ada', familyName: 'Lovelace' }, { chat: { status: 'active', entitlements: ['channel:eng'] }, wiki: { status: 'active', entitlements: [] } }),
        person('test:bob', { givenName: 'Bob', familyName: 'Tables', status: 'terminated' }, { chat: { status: 'disabled', entitlements: [] } }),
        person('test:eve', { givenName: '<img src=x onerror="window.__pwned=1">', familyName: '</script><script>window.__pwned=2</script>' }, { wiki: { status: 'active', entitlements: [] } }),
      ],
      now: new Date('2026-12-06T00:00:00Z'),
    });
    const file = join(dir, 'access.html');
    await writeFile(file, renderHtml(report));
    browser = await launchChromium(chromium);
    page = await browser.open(pathToFileURL(file).href);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !(await page.text()).includes('rows')) await new Promise((r) => setTimeout(r, 200));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const visible = () => page.evaluate<string[]>(`[...document.querySelectorAll('#rows tr')].filter((tr) => !tr.hidden).map((tr) => tr.children[0].textContent + ' ' + tr.children[3].textContent)`);
  const set = (id: string, value: string) => page.evaluate(`(() => { const el = document.getElementById(${JSON.stringify(id)}); el.value = ${JSON.stringify(value)}; el.dispatchEvent(new Event('input')); })()`);

  it('rows > every row shows, then the text filter, the app select and the status select narrow them', async (ctx) => {
    if (!chromium) return ctx.skip(`chromium cannot be installed here: ${missing}`);
    expect(await visible()).toEqual(['test:ada chat', 'test:ada wiki', 'test:bob chat', 'test:eve wiki']);
    expect(await page.text()).toContain('4 of 4 rows');
    await set('q', 'lovelace');
    expect(await visible()).toEqual(['test:ada chat', 'test:ada wiki']);
    await set('app', 'chat');
    expect(await visible()).toEqual(['test:ada chat']);
    await set('q', '');
    await set('status', 'disabled');
    expect(await visible()).toEqual(['test:bob chat']);
    expect(await page.text()).toContain('1 of 4 rows');
  });

  it('hostile names > stay text: no element from them, no script of theirs ran', async (ctx) => {
    if (!chromium) return ctx.skip(`chromium cannot be installed here: ${missing}`);
    expect(await page.evaluate('window.__pwned ?? null')).toBeNull();
    expect(await page.evaluate('document.querySelectorAll("img").length')).toBe(0);
    expect(await page.evaluate('document.querySelectorAll("script").length')).toBe(2);
    await set('q', '');
    await set('app', '');
    await set('status', '');
    expect(await page.text()).toContain('<img src=x onerror="window.__pwned=1">');
  });
});
