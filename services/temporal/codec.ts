import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import protos from '@temporalio/proto';
import { codedErrorClass } from '../../schemas/coded-error';
import { AES_256_KEY_BYTES, type CodecKey } from '../settings/codec';

const { Payload: PayloadProto } = protos.temporal.api.common.v1;

/**
 * The payload codec: every payload the pipeline hands to Temporal (workflow and activity inputs and
 * results, signals, updates, memo, summaries, and failure messages with their stack traces through
 * the failure converter) is sealed with AES-256-GCM before it leaves the process, so the server,
 * its database and anyone who reads its history see only the key id and ciphertext.
 *
 * A sealed payload is `metadata: { encoding: binary/encrypted, encryption-key-id: <id>,
 * encryption-cipher: AES-256-GCM }` and `data: nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes)`,
 * where the plaintext is the whole original payload (its metadata too) in protobuf form. A fresh
 * random nonce per payload; the key id is bound in as additional authenticated data, so a payload
 * relabelled with another key id fails to open instead of being read with the wrong key.
 *
 * Rotation: the first key seals, every key opens, so a new key goes first and the old one stays
 * until no history that needs it is retained. Payloads that are not sealed (written before the
 * codec was on, or by `JML_CODEC=off`) pass through decode unchanged.
 */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const CIPHER_METADATA = 'encryption-cipher';
const CIPHER = 'AES-256-GCM';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export const CODEC_ERROR_CODES = {
  /** The payload names a key id that is not configured: add the key back (JML_CODEC_KEYS) to read it. */
  'codec-key-unknown': { retryable: false },
  /** The payload does not authenticate under its key: changed in storage, or sealed by another key of the same id. */
  'codec-payload-invalid': { retryable: false },
} as const;

export class CodecError extends codedErrorClass('CodecError', CODEC_ERROR_CODES) {}

const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | null | undefined) => (b ? new TextDecoder().decode(b) : undefined);

export class AesGcmCodec implements PayloadCodec {
  private readonly sealing: { id: string; key: Buffer };
  private readonly keys: ReadonlyMap<string, Buffer>;

  /** `keys[0]` seals; all of them open. Throws when the list is empty or a key is not 32 bytes. */
  constructor(keys: readonly CodecKey[]) {
    const decoded = keys.map((k) => ({ id: k.id, key: Buffer.from(k.keyBase64, 'base64') }));
    const [first] = decoded;
    if (!first) throw new Error('the payload codec needs at least one key');
    const bad = decoded.find((k) => k.key.length !== AES_256_KEY_BYTES);
    if (bad) throw new Error(`codec key ${bad.id} is ${bad.key.length} bytes; AES-256 needs ${AES_256_KEY_BYTES}`);
    this.sealing = first;
    this.keys = new Map(decoded.map((k) => [k.id, k.key]));
  }

  /** The id new payloads are sealed with. */
  get sealingKeyId(): string {
    return this.sealing.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.seal(p));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.open(p));
  }

  seal(payload: Payload): Payload {
    const { id, key } = this.sealing;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(id));
    const plain = PayloadProto.encode(payload).finish();
    const sealed = Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: { encoding: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(id), [CIPHER_METADATA]: utf8(CIPHER) },
      data: sealed,
    };
  }

  open(payload: Payload): Payload {
    if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
    const id = text(payload.metadata?.[KEY_ID_METADATA]) ?? '';
    const key = this.keys.get(id);
    if (!key) {
      throw new CodecError({
        code: 'codec-key-unknown',
        message: `payload sealed with codec key '${id}', which is not configured (configured: ${[...this.keys.keys()].join(', ')}); add it to JML_CODEC_KEYS`,
        context: { keyId: id },
      });
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    try {
      if (data.length < NONCE_BYTES + TAG_BYTES) throw new Error('too short');
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(aad(id));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(data.subarray(NONCE_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      const inner = PayloadProto.decode(plain);
      return { metadata: inner.metadata, data: inner.data };
    } catch (cause) {
      throw new CodecError({
        code: 'codec-payload-invalid',
        message: `payload sealed with codec key '${id}' does not authenticate: it was altered, or sealed by a different key under that id`,
        cause,
        context: { keyId: id },
      });
    }
  }
}

/** Additional authenticated data: the format version and the key id the payload claims. */
const aad = (keyId: string) => Buffer.from(`jml-codec/v1 ${keyId}`, 'utf8');
