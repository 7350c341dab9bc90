import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { canonicalSource } from '../../../sources/canonical';
import type { CanonicalTenantConfig } from '../../../sources/canonical/settings';
import type { KitRecord, SourceKitHost } from '../../../sources/sdk/conformance';
import { SINGLE_TENANT } from '../../../sources/sdk/define';
import type { Outgoing } from '../../kafka/coalescing-producer';
import { TOPICS } from '../../kafka/topics';
import { DEAD_LETTER_HEADERS, readDeadLetterHeaders } from '../../kafka/dead-letter';
import { gatewayCounters } from '../../metrics';
import { buildGateway } from '../app';
import type { Dedupe } from '../dedupe';
import type { DeliveryMemory, RememberedAnswer } from '../replay-guard';
import { sourceRoute } from '../source-route';

const KIND_OF_TOPIC: Readonly<Record<string, KitRecord['kind']>> = {
  [TOPICS.events]: 'event',
  [TOPICS.priority]: 'leaver-lane',
  [TOPICS.raw]: 'raw',
  [TOPICS.dlq]: 'dead-letter',
};

/**
 * The source conformance kit's gateway (sources/sdk/conformance/host.ts): the real gateway with the
 * source's route, an in-memory record sink in place of Kafka, and in-memory edge dedupe and replay
 * memory in place of Redis. The canonical API is always served; a kit run for another source gets
 * a canonical key nobody uses.
 */
export const gatewayKitHost: SourceKitHost = {
  async start(req) {
    const sent: Outgoing[] = [];
    let now = req.nowMs;
    const canonical = req.source.id === canonicalSource.id;
    const canonicalKeys = canonical
      ? (req.tenants[SINGLE_TENANT] as CanonicalTenantConfig).keys
      : [{ name: 'JML_CANONICAL_SECRET', secret: `whsec_${randomBytes(32).toString('base64')}` }];
    const app = buildGateway({
      producer: { send: async (items) => void sent.push(...items) },
      dedupe: memoryDedupe(),
      deliveries: memoryDeliveries(),
      metrics: gatewayCounters(),
      isReady: () => true,
      log: pino({ level: 'silent' }),
      canonicalKeys,
      bodyLimitBytes: req.bodyLimitBytes,
      now: () => now,
      routes: canonical ? [] : [sourceRoute(req.source, { tenants: req.tenants, ...(req.client !== undefined ? { clientFor: () => req.client } : {}) })],
    });
    await app.ready();
    return {
      async post({ path, headers, body }) {
        const res = await app.inject({ method: 'POST', url: path, headers, payload: body });
        const text = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v === undefined ? undefined : String(v)]));
        return { status: res.statusCode, headers: text, body: res.body };
      },
      records: () =>
        sent.map((o) => ({
          kind: KIND_OF_TOPIC[o.topic] ?? 'raw',
          value: Buffer.isBuffer(o.message.value) ? o.message.value.toString('utf8') : String(o.message.value),
          headers: Object.fromEntries(Object.entries(o.message.headers ?? {}).map(([k, v]) => [k, String(v)])),
          ...(o.topic === TOPICS.dlq ? { rejectCode: readDeadLetterHeaders(o.message.headers)[DEAD_LETTER_HEADERS.code] } : {}),
        })),
      setNow: (ms) => {
        now = ms;
      },
      close: () => app.close(),
    };
  },
};

function memoryDedupe(): Dedupe {
  const ids = new Set<string>();
  return {
    seen: async (keys) => new Set(keys.filter((k) => ids.has(k))),
    remember: async (keys) => void keys.forEach((k) => ids.add(k)),
  };
}

function memoryDeliveries(): DeliveryMemory {
  const answers = new Map<string, RememberedAnswer>();
  return {
    recall: async (key) => answers.get(key),
    remember: async (key, answer) => {
      if (!answers.has(key)) answers.set(key, answer);
    },
  };
}
