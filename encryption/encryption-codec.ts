// AES-256-GCM payload codec: every payload a jml client or worker hands Temporal (HR events with
// names and emails, activity inputs and results, query answers, failure messages) is stored as
// ciphertext. The whole original payload, metadata and data, is serialized inside, so nothing of it
// shows; outside are only the encoding and the id of the key that encrypted it.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, ValueError, type Payload, type PayloadCodec } from '@temporalio/common';
import { decode, encode } from '@temporalio/common/lib/encoding';
import { temporal } from '@temporalio/proto';
import type { PayloadKeys } from './payload-keys';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const METADATA_KEY_ID = 'encryption-key-id';

/** A fresh 96-bit IV per payload (the size GCM is defined for); the 128-bit tag follows the ciphertext. */
const IV_BYTES = 12;
const TAG_BYTES = 16;
const CIPHER = 'aes-256-gcm';

/** A payload that cannot be decrypted: unknown key, tampered or truncated ciphertext. */
export class PayloadDecryptionError extends ValueError {}

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keys: PayloadKeys) {}

  /** Id of the key new payloads are encrypted with. */
  get writeKeyId(): string {
    return this.keys.writeKeyId;
  }

  encode(payloads: Payload[]): Promise<Payload[]> {
    const keyId = this.keys.writeKeyId;
    const key = this.keys.keys.get(keyId)!;
    return Promise.resolve().then(() =>
      payloads.map((payload) => {
        const iv = randomBytes(IV_BYTES);
        const cipher = createCipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
        const plain = temporal.api.common.v1.Payload.encode(payload).finish();
        const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
        return {
          metadata: { [METADATA_ENCODING_KEY]: encode(ENCRYPTED_ENCODING), [METADATA_KEY_ID]: encode(keyId) },
          data,
        };
      }),
    );
  }

  /** Payloads that are not encrypted (written before encryption was on) pass through unchanged. */
  decode(payloads: Payload[]): Promise<Payload[]> {
    // A refusal rejects the promise (the SDK then fails the task), never throws at the caller.
    return Promise.resolve().then(() => payloads.map((payload) => this.decodeOne(payload)));
  }

  private decodeOne(payload: Payload): Payload {
    const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
    if (!encoding || decode(encoding) !== ENCRYPTED_ENCODING) return payload;
    const idBytes = payload.metadata?.[METADATA_KEY_ID];
    if (!idBytes) throw new PayloadDecryptionError(`encrypted payload has no ${METADATA_KEY_ID}`);
    const keyId = decode(idBytes);
    const key = this.keys.keys.get(keyId);
    if (!key) {
      throw new PayloadDecryptionError(
        `payload was encrypted with key "${keyId}", which is not among the readable keys (${[...this.keys.keys.keys()].join(', ')})`,
      );
    }
    const data = payload.data ?? new Uint8Array();
    if (data.length < IV_BYTES + TAG_BYTES) {
      throw new PayloadDecryptionError(
        `encrypted payload (key "${keyId}") is too short to hold an IV and a tag`,
      );
    }
    const iv = data.subarray(0, IV_BYTES);
    const tag = data.subarray(data.length - TAG_BYTES);
    const decipher = createDecipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tag);
    let plain: Buffer;
    try {
      plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw new PayloadDecryptionError(
        `encrypted payload (key "${keyId}") failed its integrity check: altered, or not encrypted with this key`,
      );
    }
    return temporal.api.common.v1.Payload.decode(plain);
  }
}
