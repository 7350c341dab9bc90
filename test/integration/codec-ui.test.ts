import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { pino, type Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installFromDebian, installTemporal } from '../../infra/stack/install';
import { toolPaths } from '../../infra/stack/paths';
import { freePort, startProcess, stopProcess, waitFor } from '../../infra/stack/process';
import { temporalServer } from '../../infra/stack/servers';
import { startCodecServer, type RunningCodecServer } from '../../services/codec-server/server';
import { loadConfig } from '../../services/config';
import { temporalDataConverter } from '../../services/temporal/data-converter';
import { launchChromium, type Browser } from '../support/chromium';
import { makeEvent } from '../support/events';

/**
 * The Temporal UI shows decoded payloads through our codec server, checked in a real headless
 * Chromium. A throwaway dev server (free ports, its own folder) runs the UI with
 * `--ui-codec-endpoint` pointing at the codec server, as `npm start` wires it; a workflow is
 * started with the codec, so the server holds only ciphertext; the browser opens the workflow's
 * page and must show the person's name, which only the codec server can have turned into text.
 * Chromium comes from Debian (installed when missing, like slapd).
 */
const run = Date.now().toString(36);
const GIVEN = `Philippa${run}`;
const say = (line: string) => process.stderr.write(`[codec-ui] ${line}\n`);

function capturingLogger(): { log: Logger; lines: () => Array<Record<string, unknown>> } {
  const out: string[] = [];
  return { log: pino({ level: 'debug' }, { write: (l: string) => void out.push(l) }), lines: () => out.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('Temporal UI with the codec server', () => {
  const tools = toolPaths(loadConfig().cacheDir);
  const key = randomBytes(32).toString('base64');
  const config = loadConfig({ UI_IT_KEY: key, JML_CODEC_KEYS: JSON.stringify([{ id: `ui-${run}`, key: { env: 'UI_IT_KEY' } }]) });
  let dir: string;
  let pidFile: string | undefined;
  let codecServer: RunningCodecServer | undefined;
  let browser: Browser | undefined;
  let chromium: string | undefined;
  let chromiumMissing = '';
  const ports = { temporal: 0, ui: 0, http: 0, metrics: 0, codec: 0 };
  const captured = capturingLogger();

  beforeAll(async () => {
    chromium = await installFromDebian({ binary: 'chromium', packages: ['chromium'], say, paths: tools }).catch((err: unknown) => {
      // Only a machine without apt (or without root) gets here; the reason is the skip's.
      chromiumMissing = (err as Error).message;
      return undefined;
    });
    if (!chromium) return;
    dir = await mkdtemp(join(tmpdir(), 'jml-codec-ui-'));
    for (const k of Object.keys(ports) as Array<keyof typeof ports>) ports[k] = await freePort();
    const uiOrigin = `http://127.0.0.1:${ports.ui}`;
    codecServer = await startCodecServer(config, captured.log, { development: true, port: ports.codec, corsOrigins: [uiOrigin] });

    const layout = { dir, logs: join(dir, 'logs'), pids: join(dir, 'pids'), persistent: false };
    await mkdir(layout.logs, { recursive: true });
    await mkdir(layout.pids, { recursive: true });
    const server = temporalServer({
      layout,
      bin: await installTemporal(say, tools),
      port: ports.temporal,
      uiPort: ports.ui,
      httpPort: ports.http,
      metricsPort: ports.metrics,
      ui: true,
      uiCodecEndpoint: codecServer.url,
    });
    const spec = server.spec();
    pidFile = spec.pidFile;
    await startProcess(spec);
    await waitFor('throwaway Temporal dev server', server.ready, 60_000);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (pidFile) await stopProcess(pidFile, 5_000);
    await codecServer?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('shows a workflow\'s input decoded, while the server holds only ciphertext', async (ctx) => {
    if (!chromium) return ctx.skip(`chromium cannot be installed here: ${chromiumMissing}`);
    const connection = await Connection.connect({ address: `127.0.0.1:${ports.temporal}` });
    try {
      const client = new Client({ connection, dataConverter: temporalDataConverter(config.codec) });
      const event = makeEvent({ personKey: `test:ui-${run}`, type: 'jml.joiner', person: { givenName: GIVEN } });
      // No worker needs to run it: the input is in the first event of the history.
      const handle = await client.workflow.start('jmlEventWorkflow', { taskQueue: `ui-${run}`, workflowId: `codec-ui-${run}`, args: [{ event }] });
      // What the server holds, every byte string read as text: no name.
      const stored = await new Client({ connection }).workflow.getHandle(handle.workflowId).fetchHistory();
      expect(JSON.stringify(stored, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v))).not.toContain(GIVEN);
      expect(historyToJSON(stored)).toContain(Buffer.from('binary/encrypted').toString('base64'));

      browser = await launchChromium(chromium);
      const page = await browser.open(`http://127.0.0.1:${ports.ui}/namespaces/default/workflows/${encodeURIComponent(handle.workflowId)}/${handle.firstExecutionRunId}/history`);
      const deadline = Date.now() + 60_000;
      let text = '';
      while (Date.now() < deadline && !text.includes(GIVEN)) {
        await new Promise((r) => setTimeout(r, 500));
        text = await page.text();
      }
      if (!text.includes(GIVEN)) {
        const shot = join(tmpdir(), `jml-codec-ui-${run}.png`);
        await writeFile(shot, await page.screenshot());
        say(`the page did not show the decoded input; screenshot: ${shot}`);
      }
      expect(text).toContain(GIVEN);
      // It was our codec server that opened it, asked by the page (CORS preflight, then the decode).
      const requests = captured.lines().filter((l) => l.msg === 'codec server request');
      expect(requests.some((l) => l.route === '/decode' && l.status === 200)).toBe(true);
      // And the codec server logged none of what it opened.
      expect(JSON.stringify(captured.lines())).not.toContain(GIVEN);
    } finally {
      await connection.close();
    }
  }, 120_000);
});
