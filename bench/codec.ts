/**
 * `npx tsx bench/codec.ts`: what the payload codec (services/temporal/codec.ts) costs per payload, for
 * payloads the size of a JmlEvent, a plan and a step result, sealed and opened on this machine's
 * CPU. Multiply by the payloads an event writes and reads (docs/benchmarks.md) for the cost per event.
 */
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { AesGcmCodec } from '../services/temporal/codec';
import { makeEvent } from '../test/support/events';

const codec = new AesGcmCodec([{ id: 'bench', keyBase64: randomBytes(32).toString('base64') }]);
const event = makeEvent({ personKey: 'bench:codec-1', type: 'jml.joiner' });
const samples: Array<[string, unknown]> = [
  ['step result (~100 B)', { outcome: 'applied', externalRef: 'bench:codec-1' }],
  ['JmlEvent (~700 B)', event],
  ['5-app plan (~2 KB)', { apps: Array.from({ length: 5 }, (_, i) => ({ appId: `app${i}`, steps: [{ operation: 'createAccount', attributes: { ...event.data.person } }] })) }],
  ['64 KiB', { blob: randomBytes(48 * 1024).toString('base64') }],
];
const N = 20_000;
for (const [name, value] of samples) {
  const payload = defaultPayloadConverter.toPayload(value) as Payload;
  let sealed: Payload[] = [];
  for (let i = 0; i < 1_000; i++) sealed = await codec.encode([payload]); // warm up
  const n = name === '64 KiB' ? N / 20 : N;
  let t = performance.now();
  for (let i = 0; i < n; i++) sealed = await codec.encode([payload]);
  const sealUs = ((performance.now() - t) * 1000) / n;
  t = performance.now();
  for (let i = 0; i < n; i++) await codec.decode(sealed);
  const openUs = ((performance.now() - t) * 1000) / n;
  console.log(`${name.padEnd(22)} ${String(payload.data?.length).padStart(6)} B   seal ${sealUs.toFixed(1).padStart(6)} µs   open ${openUs.toFixed(1).padStart(6)} µs`);
}
