// The data converter every jml Temporal client and worker uses: payloads and failure messages
// encrypted with the keys from the environment (payload-keys.ts).
import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './encryption-codec';
import { payloadKeysFromEnv, type PayloadKeys } from './payload-keys';

export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

export function encryptedDataConverter(keys: PayloadKeys): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(keys)], failureConverterPath: FAILURE_CONVERTER_PATH };
}

/** From JML_PAYLOAD_KEYS and JML_PAYLOAD_KEY_ID; without them jml refuses to talk to Temporal. */
export function dataConverterFromEnv(env: NodeJS.ProcessEnv = process.env): DataConverter {
  return encryptedDataConverter(payloadKeysFromEnv(env));
}
