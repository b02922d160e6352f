// Verification rules: does what an application reports match what we wanted?
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { deprovisionGaps, provisionGaps, type AppState } from '../../domain/app-state';

function state(changes: Partial<AppState> = {}): AppState {
  return { exists: true, active: true, entitlements: [], openSessions: null, ...changes };
}

const gone: AppState = { exists: false, active: false, entitlements: [], openSessions: null };

void describe('provisionGaps', () => {
  void test('a missing account is the only gap reported, whatever else is wanted', () => {
    assert.deepEqual(provisionGaps(gone, ['staff', 'engineering']), ['account does not exist']);
    assert.deepEqual(provisionGaps(gone, []), ['account does not exist']);
  });

  void test('an inactive account is a gap', () => {
    assert.deepEqual(provisionGaps(state({ active: false }), []), ['account is not active']);
  });

  void test('missing entitlements are listed in the order they were wanted', () => {
    assert.deepEqual(
      provisionGaps(state({ entitlements: ['engineering'] }), ['staff', 'engineering', 'oncall']),
      ['missing entitlements: staff, oncall'],
    );
  });

  void test('inactive and missing entitlements are both reported', () => {
    assert.deepEqual(provisionGaps(state({ active: false, entitlements: [] }), ['staff']), [
      'account is not active',
      'missing entitlements: staff',
    ]);
  });

  void test('an active account holding every wanted entitlement has no gaps, extra entitlements are fine', () => {
    assert.deepEqual(provisionGaps(state({ entitlements: ['engineering', 'staff'] }), ['staff']), []);
    assert.deepEqual(provisionGaps(state({ entitlements: ['staff'] }), []), []);
  });

  void test('open sessions do not matter when provisioning', () => {
    assert.deepEqual(provisionGaps(state({ openSessions: 3 }), []), []);
  });
});

void describe('deprovisionGaps', () => {
  void test('a missing account is clean in both modes', () => {
    assert.deepEqual(deprovisionGaps(gone, 'delete'), []);
    assert.deepEqual(deprovisionGaps(gone, 'disable'), []);
  });

  void test('delete mode: an account that still exists is a gap even when inactive and bare', () => {
    assert.deepEqual(deprovisionGaps(state({ active: false }), 'delete'), ['account still exists']);
  });

  void test('delete mode: every remaining access is reported', () => {
    assert.deepEqual(deprovisionGaps(state({ entitlements: ['a', 'b'], openSessions: 2 }), 'delete'), [
      'account still exists',
      'account is still active',
      'entitlements remain: a, b',
      '2 sessions still open',
    ]);
  });

  void test('disable mode: an active account is a gap', () => {
    assert.deepEqual(deprovisionGaps(state(), 'disable'), ['account is still active']);
  });

  void test('disable mode: remaining entitlements are a gap', () => {
    assert.deepEqual(deprovisionGaps(state({ active: false, entitlements: ['staff'] }), 'disable'), [
      'entitlements remain: staff',
    ]);
  });

  void test('disable mode: open sessions are a gap', () => {
    assert.deepEqual(deprovisionGaps(state({ active: false, openSessions: 1 }), 'disable'), [
      '1 sessions still open',
    ]);
  });

  void test('disable mode: an inactive account with no entitlements and no sessions is clean', () => {
    assert.deepEqual(deprovisionGaps(state({ active: false }), 'disable'), []);
    assert.deepEqual(deprovisionGaps(state({ active: false, openSessions: 0 }), 'disable'), []);
  });
});
