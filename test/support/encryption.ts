// The tests' payload key: every Temporal client and worker of a test run encrypts with it, as jml does
// in production, including the worker processes and the `npm start` the tests run (they inherit the
// environment). Fixed, so that histories recorded by one run (test/histories/) replay in another.
import type { DataConverter } from '@temporalio/common';
import { encryptedDataConverter } from '../../encryption/data-converter';
import { EncryptionCodec } from '../../encryption/encryption-codec';
import { payloadKeysFromEnv } from '../../encryption/payload-keys';

export const TEST_PAYLOAD_KEY_ID = 'test-1';
/** A key for tests only, never for data that matters. */
const TEST_PAYLOAD_KEYS = `${TEST_PAYLOAD_KEY_ID}:${Buffer.from('jml test payload key, not secret').toString('base64')}`;

export const TEST_PAYLOAD_ENV = {
  JML_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
  JML_PAYLOAD_KEY_ID: TEST_PAYLOAD_KEY_ID,
};

/** Sets the test key in this process's environment, over whatever the shell had. */
export function useTestPayloadKey(env: NodeJS.ProcessEnv = process.env): void {
  Object.assign(env, TEST_PAYLOAD_ENV);
}

export const testPayloadCodec = new EncryptionCodec(payloadKeysFromEnv(TEST_PAYLOAD_ENV));

export function testDataConverter(): DataConverter {
  return encryptedDataConverter(payloadKeysFromEnv(TEST_PAYLOAD_ENV));
}
