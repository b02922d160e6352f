// HR webhook signatures: HMAC over "<t>.<body>", with a timestamp window against replays.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { signPayload, verifySignature } from '../../api/signature';

const secret = 'whsec-test-secret';
const body = Buffer.from(JSON.stringify({ eventId: 'evt-1', type: 'hire' }));
const now = 1_714_550_400_000; // 2024-05-01T08:00:00Z
const t = now / 1000;
const tolerance = 300_000;

function verify(header: string | undefined, payload = body, key = secret, nowMs = now) {
  return verifySignature(header, payload, key, tolerance, nowMs);
}

void describe('signPayload', () => {
  void test('produces t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">', () => {
    const expected = createHmac('sha256', secret).update(`${t}.${body.toString()}`).digest('hex');
    assert.equal(signPayload(body, secret, t), `t=${t},v1=${expected}`);
  });

  void test('signs a string and the same bytes as a Buffer identically', () => {
    assert.equal(signPayload(body.toString(), secret, t), signPayload(body, secret, t));
  });

  void test('defaults the timestamp to now', () => {
    const header = signPayload(body, secret);
    assert.deepEqual(verifySignature(header, body, secret, 5_000), { ok: true });
  });
});

void describe('verifySignature', () => {
  void test('accepts its own signature (round trip)', () => {
    assert.deepEqual(verify(signPayload(body, secret, t)), { ok: true });
  });

  void test('accepts upper-case hex and spaces around the parts', () => {
    const [, mac] = signPayload(body, secret, t).split(',v1=');
    assert.deepEqual(verify(`t=${t}, v1=${mac!.toUpperCase()}`), { ok: true });
    assert.deepEqual(verify(`v1=${mac!},t=${t}`), { ok: true });
  });

  void test('rejects a tampered body', () => {
    const header = signPayload(body, secret, t);
    const tampered = Buffer.from(body.toString().replace('hire', 'fire'));
    assert.deepEqual(verify(header, tampered), { ok: false, reason: 'signature does not match' });
    assert.deepEqual(verify(header, Buffer.concat([body, Buffer.from(' ')])), {
      ok: false,
      reason: 'signature does not match',
    });
  });

  void test('rejects a signature made with another secret', () => {
    assert.deepEqual(verify(signPayload(body, 'another-secret', t)), {
      ok: false,
      reason: 'signature does not match',
    });
  });

  void test('rejects a signature whose timestamp was changed after signing', () => {
    const mac = signPayload(body, secret, t).split(',v1=')[1]!;
    assert.deepEqual(verify(`t=${t - 1},v1=${mac}`), { ok: false, reason: 'signature does not match' });
  });

  void test('rejects a timestamp too far in the past or the future, accepts one just inside', () => {
    const stale = { ok: false, reason: 'signature timestamp outside the allowed window' };
    const window = tolerance / 1000;
    assert.deepEqual(verify(signPayload(body, secret, t - window - 1)), stale);
    assert.deepEqual(verify(signPayload(body, secret, t + window + 1)), stale);
    assert.deepEqual(verify(signPayload(body, secret, t - window)), { ok: true });
    assert.deepEqual(verify(signPayload(body, secret, t + window)), { ok: true });
  });

  void test('checks the window before the MAC: a stale header with a wrong MAC is reported as stale', () => {
    assert.deepEqual(verify(`t=${t - 3600},v1=${'0'.repeat(64)}`), {
      ok: false,
      reason: 'signature timestamp outside the allowed window',
    });
  });

  void test('rejects malformed headers', () => {
    const mac = signPayload(body, secret, t).split(',v1=')[1]!;
    const malformed = {
      ok: false,
      reason: 'malformed X-JML-Signature header (want t=<unix seconds>,v1=<hex>)',
    };
    for (const header of [
      'garbage',
      `t=${t}`,
      `v1=${mac}`,
      `t=,v1=${mac}`,
      `t=abc,v1=${mac}`,
      `t=-${t},v1=${mac}`,
      `t=${t}.5,v1=${mac}`,
      `t=${t},v1=`,
      `t=${t},v1=${mac.slice(0, 63)}`,
      `t=${t},v1=${mac}00`,
      `t=${t},v1=${'z'.repeat(64)}`,
      `t=${t};v1=${mac}`,
      `T=${t},V1=${mac}`,
      ',',
    ]) {
      assert.deepEqual(verify(header), malformed, header);
    }
  });

  void test('rejects a missing or empty header', () => {
    const missing = { ok: false, reason: 'missing X-JML-Signature header' };
    assert.deepEqual(verify(undefined), missing);
    assert.deepEqual(verify(''), missing);
  });
});
