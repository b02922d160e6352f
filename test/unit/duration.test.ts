// Human-readable durations in configuration.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { durationSchema, parseDuration } from '../../domain/duration';

void describe('parseDuration', () => {
  void test('converts each unit to milliseconds', () => {
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('15m'), 900_000);
    assert.equal(parseDuration('2h'), 7_200_000);
    assert.equal(parseDuration('3d'), 259_200_000);
    assert.equal(parseDuration('0s'), 0);
  });

  void test('ignores surrounding whitespace', () => {
    assert.equal(parseDuration('  5m\n'), 300_000);
  });

  void test('rejects anything that is not <digits><unit>', () => {
    for (const text of [
      '',
      '5',
      'm',
      '5 m',
      '1.5h',
      '-5m',
      '+5m',
      '5M',
      '5min',
      '5w',
      '1h30m',
      'PT5M',
      '5ms5',
    ]) {
      assert.equal(parseDuration(text), undefined, JSON.stringify(text));
    }
  });
});

void describe('durationSchema', () => {
  void test('parses a duration string to milliseconds', () => {
    assert.equal(durationSchema.parse('5m'), 300_000);
  });

  void test('a bad duration fails with a message quoting it and showing examples', () => {
    const result = durationSchema.safeParse('5 minutes');
    assert.equal(result.success, false);
    assert.deepEqual(
      result.error.issues.map((i) => i.message),
      ['"5 minutes" is not a duration like 90s, 15m, 2h or 3d'],
    );
  });

  void test('a non-string fails as a type error, not as a duration error', () => {
    const result = durationSchema.safeParse(300);
    assert.equal(result.success, false);
    assert.equal(result.error.issues.length, 1);
    assert.equal(result.error.issues[0]?.code, 'invalid_type');
  });
});
