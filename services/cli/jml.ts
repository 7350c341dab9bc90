/**
 * `npm run jml -- <command>`: the ops CLI.
 *   send <event.json>        sign a JmlEvent with JML_CANONICAL_SECRET (or, against a loopback gateway, npm start's development key) and POST it to the gateway
 *   person <personKey>       show what the person's workflow holds (processed, duplicates, pending, recent outcomes)
 *   events <employeeId>      list the event workflows of an employee (as the Temporal UI would find them)
 *   plan <event.json>        print what the policy (JML_CONFIG_FILE) would do for an event, without doing it
 *   held                     list the events the mass-change guard holds
 *   approve <workflowId…|--all>   let held events go ahead (signal `approve`)
 *   reject <workflowId…|--all>    drop held events without changing anything (signal `reject`)
 */
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { loadConfig, loadDotEnv } from '../config';
import { temporalConnectionOptions } from '../connections/temporal';
import { signStandardWebhook } from '../../sources/canonical/standard-webhooks';
import { approveSignal, eventStatusQuery, personStateQuery, personWorkflowId, rejectSignal } from '../../schemas/contracts';
import { cliSigningKey } from '../dev-defaults';
import { JmlEvent } from '../../schemas/jml-event.v1';
import { CONNECTOR_FACTORIES } from '../../connectors/registry';
import { loadPolicyFile } from '../policy/load';
import { planWithPolicy } from '../policy/plan';
import { temporalDataConverter } from '../temporal/data-converter';
import { localCodecEnv } from '../temporal/dev-key';

async function main(argv: string[]): Promise<number> {
  const [command, arg] = argv;
  loadDotEnv();
  let config = loadConfig();
  // Like `send`, the CLI reads npm start's stack with its development codec key when none is configured.
  const devCodec = localCodecEnv(config.codec, config.stackDir);
  if (devCodec && ['person', 'events', 'held', 'approve', 'reject'].includes(command ?? '')) {
    config = loadConfig({ ...process.env, ...devCodec.env });
    console.error(`jml: ${devCodec.note}`);
  }
  switch (command) {
    case 'send': {
      if (!arg) throw new Error('usage: jml send <event.json>');
      const body = await readFile(arg);
      const event = JSON.parse(body.toString('utf8')) as { id?: string };
      const key = cliSigningKey({ keys: config.gateway.canonicalKeys, gatewayHost: config.gateway.host, stackDir: config.stackDir });
      if ('error' in key) throw new Error(key.error);
      if (key.note) console.error(`jml: ${key.note}`);
      const secret = key.secret;
      const ts = Math.floor(Date.now() / 1000);
      const webhookId = `cli-${event.id ?? 'event'}-${ts}`;
      const host = config.gateway.host.includes(':') ? `[${config.gateway.host}]` : config.gateway.host;
      const res = await fetch(`http://${host}:${config.gateway.port}/v1/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': webhookId,
          'webhook-timestamp': String(ts),
          'webhook-signature': signStandardWebhook(secret, webhookId, ts, body),
        },
        body,
      });
      console.log(`${res.status} ${await res.text()}`);
      return res.ok ? 0 : 1;
    }
    case 'plan': {
      if (!arg) throw new Error('usage: jml plan <event.json>');
      if (!config.policyFile) throw new Error('set JML_CONFIG_FILE to the policy file to plan with');
      const policy = loadPolicyFile({ path: config.policyFile, env: process.env, connectors: CONNECTOR_FACTORIES });
      const event = JmlEvent.parse(JSON.parse(await readFile(arg, 'utf8')));
      console.log(JSON.stringify(planWithPolicy({ policy, event }), null, 2));
      await Promise.all([...new Set([...policy.apps.values()].map((a) => a.connector))].map((c) => c.dispose?.()));
      return 0;
    }
    case 'person':
    case 'events': {
      if (!arg) throw new Error(`usage: jml ${command} <${command === 'person' ? 'personKey' : 'employeeId'}>`);
      const connection = await Connection.connect(temporalConnectionOptions(config.connections.temporal, config.reuse.temporalAddress ?? `127.0.0.1:${config.ports.temporal}`));
      try {
        const client = new Client({ connection, namespace: config.temporal.namespace, dataConverter: temporalDataConverter(config.codec) });
        if (command === 'person') {
          console.log(JSON.stringify(await client.workflow.getHandle(personWorkflowId(arg)).query(personStateQuery), null, 2));
        } else {
          for await (const wf of client.workflow.list({ query: `EmployeeId='${arg.replace(/'/g, "\\'")}'` })) {
            console.log(`${wf.status.name.padEnd(10)} ${wf.type.padEnd(18)} ${wf.workflowId}`);
          }
        }
      } finally {
        await connection.close();
      }
      return 0;
    }
    case 'held':
    case 'approve':
    case 'reject': {
      const ids = argv.slice(1);
      if (command !== 'held' && ids.length === 0) throw new Error(`usage: jml ${command} <workflowId…|--all>`);
      const connection = await Connection.connect(temporalConnectionOptions(config.connections.temporal, config.reuse.temporalAddress ?? `127.0.0.1:${config.ports.temporal}`));
      try {
        const client = new Client({ connection, namespace: config.temporal.namespace, dataConverter: temporalDataConverter(config.codec) });
        const held: string[] = [];
        for await (const wf of client.workflow.list({ query: "NeedsAttention = true AND ExecutionStatus = 'Running'" })) {
          const status = await client.workflow.getHandle(wf.workflowId).query(eventStatusQuery).catch(() => undefined);
          if (status?.phase === 'held') held.push(wf.workflowId);
        }
        if (command === 'held') {
          for (const id of held) console.log(id);
          console.error(`${held.length} held`);
          return 0;
        }
        const targets = ids.includes('--all') ? held : ids;
        const by = `jml ${command} (${userInfo().username})`;
        for (const id of targets) {
          await client.workflow.getHandle(id).signal(command === 'approve' ? approveSignal : rejectSignal, { by });
          console.log(`${command === 'approve' ? 'approved' : 'rejected'} ${id}`);
        }
        return 0;
      } finally {
        await connection.close();
      }
    }
    default:
      console.error('usage: jml <send <event.json> | person <personKey> | events <employeeId> | plan <event.json> | held | approve|reject <workflowId…|--all>>');
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`jml: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
