import type { Payload, PayloadCodec } from '@temporalio/common';
import { ENCRYPTED_ENCODING } from './codec';

/**
 * Opens, in place, every sealed payload of a history (or of any message read from the server, e.g.
 * `handle.fetchHistory()`), with the codecs of `dataConverter` (a DataConverter, or a client's `options.loadedDataConverter`); what is not sealed is left as it is.
 * For tools that read raw histories: the replay capture (which stores them decoded, so replays need
 * no key), tests, and ops scripts. Throws the codec's error when a key is missing.
 */
export async function openHistoryPayloads<T extends object>(message: T, dataConverter: { readonly payloadCodecs?: readonly PayloadCodec[] }): Promise<T> {
  const codecs = [...(dataConverter.payloadCodecs ?? [])].reverse();
  const sealed: Payload[] = [];
  collect(message, sealed, new Set());
  for (const payload of sealed) {
    let opened: Payload = payload;
    for (const codec of codecs) [opened] = (await codec.decode([opened])) as [Payload];
    // Replace the fields, not the object: the payload may be referenced from a protobuf message.
    payload.metadata = opened.metadata ?? null;
    payload.data = opened.data ?? null;
  }
  return message;
}

function collect(value: unknown, into: Payload[], seen: Set<object>): void {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || seen.has(value)) return;
  seen.add(value);
  if (isSealed(value)) {
    into.push(value);
    return;
  }
  for (const child of Array.isArray(value) ? value : Object.values(value)) collect(child, into, seen);
}

function isSealed(value: object): value is Payload {
  const encoding = (value as Payload).metadata?.encoding;
  return encoding instanceof Uint8Array && new TextDecoder().decode(encoding) === ENCRYPTED_ENCODING && 'data' in value;
}
