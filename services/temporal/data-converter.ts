import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import type { CodecSettings } from '../settings/codec';
import { AesGcmCodec } from './codec';

/**
 * Path of the failure converter module (failure messages and stack traces become payloads, which
 * the codec seals). Every workflow bundle must be built with it (`bundleWorkflowCode({
 * failureConverterPath })`): failures raised inside the sandbox are converted there.
 */
export const FAILURE_CONVERTER_PATH = fileURLToPath(new URL('./failure-converter.cjs', import.meta.url));

/** The configuration does not say how to treat personal data in Temporal; the message names what to set. */
export class CodecConfigError extends Error {
  readonly code = 'CODEC_UNCONFIGURED';
  constructor(message: string) {
    super(message);
    this.name = 'CodecConfigError';
  }
}

/**
 * The data converter of every Temporal client and worker of the pipeline (runtime, dispatcher,
 * pollers, CLI, benchmarks, tests): the payload codec, unless `JML_CODEC=off`, and the failure
 * converter that routes failure messages through it. Throws {@link CodecConfigError} when no key
 * is configured and the codec is not explicitly off: plaintext must be a decision, not a default.
 */
export function temporalDataConverter(codec: CodecSettings): DataConverter {
  if (codec.mode === 'unset') {
    throw new CodecConfigError(
      'JML_CODEC_KEYS is not set: payloads in Temporal (names, emails) would be stored in clear; configure a key (docs/security.md) or set JML_CODEC=off to store them unencrypted deliberately',
    );
  }
  return {
    failureConverterPath: FAILURE_CONVERTER_PATH,
    ...(codec.mode === 'on' ? { payloadCodecs: [new AesGcmCodec(codec.keys)] } : {}),
  };
}
