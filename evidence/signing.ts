// Checkpoint signatures: a chain's head (its last sequence number and hash) signed with Ed25519, so
// that nobody without the private key can rewrite a chain and sign the result. Verifying needs only
// the public key. Keys travel as text: PEM (PKCS8 private, SPKI public) or the base64 of the DER.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from './canonical-json';

/** What a checkpoint signs. */
export interface CheckpointFields {
  chainId: string;
  upToSeq: number;
  /** The hash of the record at upToSeq, which through the chain covers every record before it. */
  hash: string;
  keyId: string;
  signedAt: string;
}

export interface SignedCheckpoint extends CheckpointFields {
  /** Base64 Ed25519 signature of checkpointMessage. */
  signature: string;
}

export interface Signer {
  keyId: string;
  /** The public half, which checks what this signer signs. */
  publicKey: KeyObject;
  sign(fields: CheckpointFields): string;
}

/** The exact bytes signed: canonical JSON of the fields, marked so it can never pass for another message. */
export function checkpointMessage(fields: CheckpointFields): Buffer {
  return Buffer.from(
    canonicalJson({
      type: 'jml-evidence-checkpoint',
      v: 1,
      chainId: fields.chainId,
      upToSeq: fields.upToSeq,
      hash: fields.hash,
      keyId: fields.keyId,
      signedAt: fields.signedAt,
    }),
    'utf8',
  );
}

/** A key's id: the first 16 hex digits of the SHA-256 of its public key (SPKI DER). */
export function keyIdOf(key: KeyObject): string {
  const spki = publicHalf(key).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('hex').slice(0, 16);
}

function publicHalf(key: KeyObject): KeyObject {
  return key.type === 'public' ? key : createPublicKey(key);
}

export function signerFrom(privateKey: KeyObject): Signer {
  const keyId = keyIdOf(privateKey);
  return {
    keyId,
    publicKey: createPublicKey(privateKey),
    sign: (fields) => sign(null, checkpointMessage(fields), privateKey).toString('base64'),
  };
}

export type CheckpointCheck = 'valid' | 'unknown-key' | 'bad-signature';

/** Checks checkpoints against the public keys an auditor trusts, found by key id. */
export function checkpointVerifier(
  publicKeys: KeyObject[],
): (checkpoint: SignedCheckpoint) => CheckpointCheck {
  const byId = new Map(publicKeys.map((key) => [keyIdOf(key), key]));
  return (checkpoint) => {
    const key = byId.get(checkpoint.keyId);
    if (!key) return 'unknown-key';
    const signature = Buffer.from(checkpoint.signature, 'base64');
    return verify(null, checkpointMessage(checkpoint), key, signature) ? 'valid' : 'bad-signature';
  };
}

/** The public key as one line of text (base64 SPKI DER), the form JML_EVIDENCE_PUBLIC_KEY takes. */
export function publicKeyText(key: KeyObject): string {
  return publicHalf(key).export({ type: 'spki', format: 'der' }).toString('base64');
}

/** A new private key as one line of text (base64 PKCS8 DER), the form JML_EVIDENCE_SIGNING_KEY takes. */
export function newSigningKeyText(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  return privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function keyFrom(text: string, kind: 'private' | 'public'): KeyObject {
  const trimmed = text.trim();
  const create = kind === 'private' ? createPrivateKey : createPublicKey;
  if (trimmed.startsWith('-----BEGIN')) return create({ key: trimmed, format: 'pem' });
  if (!BASE64.test(trimmed)) throw new Error('not PEM and not base64');
  const der = Buffer.from(trimmed, 'base64');
  return kind === 'private'
    ? createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
    : createPublicKey({ key: der, format: 'der', type: 'spki' });
}

function ed25519Key(kind: 'private' | 'public', form: string) {
  return (text: string, ctx: z.RefinementCtx): KeyObject => {
    const message = `must be an Ed25519 ${kind} key: ${form} PEM, or the base64 of its DER`;
    try {
      const key = keyFrom(text, kind);
      if (key.asymmetricKeyType === 'ed25519' && key.type === kind) return key;
      ctx.addIssue({ code: 'custom', message: `${message} (this is a ${key.asymmetricKeyType} key)` });
    } catch {
      ctx.addIssue({ code: 'custom', message });
    }
    return z.NEVER;
  };
}

/** The private key that signs checkpoints. */
export const signingKeySchema = z.string().min(1).transform(ed25519Key('private', 'PKCS8'));

/** One public key, or several separated by commas (the keys of earlier years too, after a rotation). */
export const publicKeysSchema = z
  .string()
  .min(1)
  .transform((text) => text.split(',').filter((part) => part.trim()))
  .pipe(z.array(z.string().transform(ed25519Key('public', 'SPKI'))).min(1));
