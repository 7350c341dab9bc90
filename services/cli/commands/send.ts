import { signStandardWebhook } from '../../../sources/canonical/standard-webhooks';
import { cliSigningKey } from '../../dev-defaults';
import type { CommandSpec } from '../command';
import { CliError, EXIT, usageError } from '../exit-codes';
import { readJsonFile } from '../input';

/**
 * `jml send <event.json>`: signs the file's bytes as they are (Standard Webhooks, the canonical
 * API's scheme) and posts them to the configured gateway. The event is not checked here: the
 * gateway's answer is the check (a 400 lists every problem and the DLQ records it).
 */
export const send: CommandSpec = {
  name: 'send',
  summary: 'sign a JmlEvent and POST it to the gateway (POST /v1/events)',
  args: [{ name: 'event.json', description: 'a JmlEvent v1, e.g. docs/examples/joiner.json' }],
  details: [
    'Signs with JML_CANONICAL_SECRET (with JML_CANONICAL_SECRETS, the first key). When no key is set and GATEWAY_HOST is loopback, signs with the development key npm start made, and says so on stderr.',
    'Posts to http://GATEWAY_HOST:GATEWAY_PORT/v1/events and prints the status and the gateway\'s answer.',
  ],
  examples: ['send docs/examples/joiner.json', 'send --json docs/examples/leaver.json'],
  exits: { 1: 'the gateway could not be reached, or answered 5xx (e.g. 503: Kafka did not acknowledge); sending again may help', 4: 'the gateway refused the event (4xx: invalid, bad signature, out of scope)' },
  async run(ctx, { positionals: [file] }) {
    const { raw: body, value } = await readJsonFile(file as string);
    const config = ctx.config();
    const key = cliSigningKey({ keys: config.gateway.canonicalKeys, gatewayHost: config.gateway.host, stackDir: config.stackDir });
    if ('error' in key) throw usageError(key.error);
    if (key.note) ctx.note(key.note);
    const ts = Math.floor(Date.now() / 1000);
    const id = (value as { id?: unknown } | null)?.id;
    const webhookId = `cli-${typeof id === 'string' ? id : 'event'}-${ts}`;
    const host = config.gateway.host.includes(':') ? `[${config.gateway.host}]` : config.gateway.host;
    const url = `http://${host}:${config.gateway.port}/v1/events`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': webhookId,
          'webhook-timestamp': String(ts),
          'webhook-signature': signStandardWebhook(key.secret, webhookId, ts, body),
        },
        body,
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(`cannot reach the gateway at ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, EXIT.failed, { cause: err });
    }
    const text = await res.text();
    let answer: unknown = text;
    try {
      answer = JSON.parse(text) as unknown;
    } catch {
      // Not JSON (a proxy's page): shown as text.
    }
    const exitCode = res.ok ? EXIT.ok : res.status >= 400 && res.status < 500 ? EXIT.refused : EXIT.failed;
    return {
      json: { status: res.status, accepted: res.ok, webhookId, url, answer },
      text: [`${res.status} ${text}`],
      exitCode,
      ...(res.ok ? {} : { problem: `the gateway answered ${res.status}${exitCode === EXIT.refused ? ' (refused)' : ''}` }),
    };
  },
};
