import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

/**
 * A real headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`:
 * JSON messages separated by NUL bytes, Chromium reads fd 3 and writes fd 4), so no driver library
 * and no WebSocket client are needed. Enough for tests that open a page and read what it shows.
 */
export interface Browser {
  /** Opens `url` in a new tab; returns a page whose text can be read. */
  open(url: string): Promise<Page>;
  close(): Promise<void>;
}

export interface Page {
  /** `document.body.innerText`, or '' before there is a body. */
  text(): Promise<string>;
  /** A PNG of what the page shows now. */
  screenshot(): Promise<Buffer>;
  /** The value of a JavaScript expression in the page (JSON-serialisable values only). */
  evaluate<T = unknown>(expression: string): Promise<T>;
}

export async function launchChromium(binary: string): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'jml-chromium-'));
  const child: ChildProcess = spawn(
    binary,
    ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check', `--user-data-dir=${profile}`, '--window-size=1400,1000', '--remote-debugging-pipe', 'about:blank'],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
  );
  const toBrowser = child.stdio[3] as Writable;
  const fromBrowser = child.stdio[4] as Readable;
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let buffered = '';
  fromBrowser.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    let end: number;
    while ((end = buffered.indexOf('\0')) >= 0) {
      const message = JSON.parse(buffered.slice(0, end)) as { id?: number; result?: unknown; error?: { message: string } };
      buffered = buffered.slice(end + 1);
      const waiter = message.id === undefined ? undefined : pending.get(message.id);
      if (!waiter) continue;
      pending.delete(message.id as number);
      if (message.error) waiter.reject(new Error(`DevTools: ${message.error.message}`));
      else waiter.resolve(message.result);
    }
  });
  child.on('exit', () => {
    for (const w of pending.values()) w.reject(new Error(`chromium exited: ${stderr}`));
    pending.clear();
  });
  const send = <T>(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      toBrowser.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });

  await send('Browser.getVersion');
  return {
    async open(url) {
      const { targetId } = await send<{ targetId: string }>('Target.createTarget', { url });
      const { sessionId } = await send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true });
      return {
        async text() {
          const r = await send<{ result: { value?: unknown } }>('Runtime.evaluate', { expression: 'document.body ? document.body.innerText : ""', returnByValue: true }, sessionId);
          return typeof r.result.value === 'string' ? r.result.value : '';
        },
        async evaluate<T>(expression: string) {
          const r = await send<{ result: { value?: unknown }; exceptionDetails?: { text: string } }>('Runtime.evaluate', { expression, returnByValue: true }, sessionId);
          if (r.exceptionDetails) throw new Error(`page: ${r.exceptionDetails.text}`);
          return r.result.value as T;
        },
        async screenshot() {
          const r = await send<{ data: string }>('Page.captureScreenshot', { format: 'png' }, sessionId);
          return Buffer.from(r.data, 'base64');
        },
      };
    },
    async close() {
      await send('Browser.close').catch(() => undefined);
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      await rm(profile, { recursive: true, force: true });
    },
  };
}
