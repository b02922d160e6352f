// The revocation certificate built from hand-made evidence records: every outcome an application can
// have in a leaver (read back, attested, jml's record, held by someone else, skipped with and without
// a follow-up, not yet verified), the times from the HR event, and the deadline met, late or overdue.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CertificateNotFound, leaverCertificate, type CertificateApp } from '../../domain/leaver-certificate';
import { at, PersonRecords } from '../support/step-records';

const MIN = 60_000;
const EVENT = 'evt-term-1';

/** A termination received at 09:00, effective at once, deadline 10:00, with a leaver plan over `apps`. */
function leaver(apps: string[], completedAt = at(5)): PersonRecords {
  return new PersonRecords('E1001')
    .event(EVENT, 'leaver', { receivedAt: at(0), effectiveAt: at(0), completedAt, deadline: at(60) })
    .plan(EVENT, 'leaver', at(0), Object.fromEntries(apps.map((a) => [a, []])));
}

const appOf = (apps: CertificateApp[], appId: string) => apps.find((a) => a.appId === appId)!;

void describe('leaverCertificate', () => {
  void test('applications read back clean before the deadline: verified, with what was removed and the times', () => {
    const records = leaver(['crm', 'wiki'])
      .deprovisioned(EVENT, 'crm', at(1), { revoked: ['crm-users'], sessionsEnded: 2 })
      .deprovisioned(EVENT, 'wiki', at(4), { revoked: ['engineering', 'staff'], deleted: true });
    const cert = leaverCertificate(records.views(), new Date(at(120)));

    assert.equal(cert.status, 'verified');
    assert.equal(cert.verifiedAt, at(4), 'the last application verified is when the leaver was');
    assert.equal(cert.fromReceivedMs, 4 * MIN);
    assert.equal(cert.fromEffectiveMs, 4 * MIN);
    assert.deepEqual(cert.deadline, { at: at(60), status: 'met', marginMs: 56 * MIN });
    assert.deepEqual(cert.counts, {
      applications: 2,
      verified: 2,
      heldByOther: 0,
      skipped: 0,
      notYetVerified: 0,
    });
    assert.equal(cert.policyVersion, 'sha256:0123456789ab');

    const crm = appOf(cert.applications, 'crm');
    assert.equal(crm.outcome, 'verified');
    assert.deepEqual(crm.removed, {
      revoked: ['crm-users'],
      disabled: true,
      deleted: false,
      sessionsEnded: 2,
    });
    assert.deepEqual(crm.verification, {
      evidence: 'read-back',
      state: { exists: true, active: false, entitlements: [], openSessions: null },
      verifiedAt: at(1),
    });
    assert.equal(crm.fromReceivedMs, 1 * MIN);
    assert.deepEqual(crm.deadline, { at: at(60), status: 'met', marginMs: 59 * MIN });
    const wiki = appOf(cert.applications, 'wiki');
    assert.equal(wiki.removed.deleted, true);
    assert.equal(wiki.verification?.state.exists, false);
    assert.deepEqual(
      cert.evidence.records.map((r) => r.seq),
      [1, 2, 3, 4, 5, 6],
      'every record of the step, by its number in the chain',
    );
    assert.equal(cert.evidence.chainId, 'employee:E1001');
  });

  void test('never repeats an account id the application recorded (a DN carries the userName)', () => {
    const records = leaver(['dir']).deprovisioned(EVENT, 'dir', at(1), {
      state: {
        exists: true,
        active: false,
        entitlements: [],
        openSessions: null,
        accountId: 'uid=ada.lovelace,ou=people,dc=example,dc=com',
      },
    });
    const text = JSON.stringify(leaverCertificate(records.views(), new Date(at(120))));
    assert.ok(!text.includes('ada.lovelace'), text);
  });

  void test('an application done by hand: verified by the attestation, with who gave it and when', () => {
    const records = leaver(['badge'], at(95))
      .task(EVENT, 'badge', 'task-0a1b-2-E1001', at(0), at(1440))
      .deprovisioned(EVENT, 'badge', at(95), { evidence: 'attestation', revoked: ['badge-nyc'] })
      .attested(EVENT, 'badge', 'task-0a1b-2-E1001', 'E0500', at(95), 'badge 4411 returned');
    const cert = leaverCertificate(records.views(), new Date(at(120)));
    const badge = appOf(cert.applications, 'badge');
    assert.equal(badge.outcome, 'verified');
    assert.equal(badge.verification?.evidence, 'attestation');
    assert.deepEqual(badge.attestation, {
      taskId: 'task-0a1b-2-E1001',
      by: 'E0500',
      at: at(95),
      note: 'badge 4411 returned',
    });
    assert.deepEqual(badge.deadline, { at: at(60), status: 'late', lateByMs: 35 * MIN });
    assert.deepEqual(cert.deadline, { at: at(60), status: 'late', lateByMs: 35 * MIN });
    assert.equal(cert.status, 'verified', 'late, but every application verified');
  });

  void test("an application where jml's record shows nothing: verified by the record", () => {
    const records = leaver(['badge']).deprovisioned(EVENT, 'badge', at(0), { evidence: 'record' });
    const badge = appOf(leaverCertificate(records.views(), new Date(at(1))).applications, 'badge');
    assert.equal(badge.outcome, 'verified');
    assert.equal(badge.verification?.evidence, 'record');
    assert.equal(badge.attestation, undefined);
  });

  void test('an account that is someone else’s: held by other, nothing touched, and the leaver is settled', () => {
    const records = leaver(['crm']).deprovisioned(EVENT, 'crm', at(2), { heldBy: 'E2002' });
    const cert = leaverCertificate(records.views(), new Date(at(120)));
    const crm = appOf(cert.applications, 'crm');
    assert.equal(crm.outcome, 'held-by-other');
    assert.equal(crm.heldBy, 'E2002');
    assert.equal(crm.verifiedAt, at(2));
    assert.equal(cert.status, 'verified');
    assert.deepEqual(cert.counts, {
      applications: 1,
      verified: 0,
      heldByOther: 1,
      skipped: 0,
      notYetVerified: 0,
    });
  });

  void test('a skipped application without a follow-up: skipped, never verified, and the leaver is incomplete', () => {
    const records = leaver(['crm', 'sso'], at(31))
      .deprovisioned(EVENT, 'crm', at(1))
      .attention(EVENT, 'leaver', 'sso', 'failing', at(5))
      .override(EVENT, 'leaver', 'sso', 'skip', at(30), 'Keycloak down for maintenance');
    const cert = leaverCertificate(records.views(), new Date(at(90)));
    const sso = appOf(cert.applications, 'sso');
    assert.equal(sso.outcome, 'skipped');
    assert.equal(sso.verification, undefined);
    assert.equal(sso.verifiedAt, undefined);
    assert.deepEqual(sso.skip, {
      by: 'E0042',
      via: 'API token',
      reason: 'Keycloak down for maintenance',
      at: at(30),
      followUp: { verified: false },
    });
    assert.deepEqual(sso.attention, [{ reason: 'failing', problem: 'sso: failing', at: at(5) }]);
    assert.equal(cert.status, 'incomplete');
    assert.equal(cert.verifiedAt, undefined);
    assert.deepEqual(
      cert.deadline,
      { at: at(60), status: 'overdue', lateByMs: 30 * MIN },
      'late by at least',
    );
    assert.deepEqual(sso.deadline, { at: at(60), status: 'overdue', lateByMs: 30 * MIN });
  });

  void test('a skipped application its follow-up verified: still skipped, verified after follow-up, late by the follow-up', () => {
    const records = leaver(['crm', 'sso'], at(31))
      .deprovisioned(EVENT, 'crm', at(1))
      .override(EVENT, 'leaver', 'sso', 'retry', at(10))
      .override(EVENT, 'leaver', 'sso', 'skip', at(30), 'Keycloak down for maintenance')
      .followedUp(EVENT, 'sso', at(150));
    const cert = leaverCertificate(records.views(), new Date(at(200)));
    const sso = appOf(cert.applications, 'sso');
    assert.equal(sso.outcome, 'skipped', 'a skipped application is never called verified');
    assert.deepEqual(sso.skip?.followUp, { verified: true, verifiedAt: at(150) });
    assert.equal(sso.verification?.evidence, 'read-back', "the follow-up's read-back");
    assert.equal(sso.verifiedAt, at(150));
    assert.equal(cert.status, 'verified-after-follow-up');
    assert.equal(cert.verifiedAt, at(150));
    assert.deepEqual(cert.deadline, { at: at(60), status: 'late', lateByMs: 90 * MIN });
    assert.deepEqual(cert.counts, {
      applications: 2,
      verified: 1,
      heldByOther: 0,
      skipped: 1,
      notYetVerified: 0,
    });
  });

  void test('a leaver still working: not yet verified with the gaps and flags, the deadline pending, then overdue', () => {
    const records = leaver(['crm', 'wiki', 'ldap'], at(70))
      .deprovisioned(EVENT, 'crm', at(1))
      .attention(EVENT, 'leaver', 'wiki', 'unverifiable', at(3));
    // Nothing recorded yet for ldap, and wiki's read-back never came: both are not verified.
    const before = leaverCertificate(records.views(), new Date(at(20)));
    assert.equal(before.status, 'incomplete');
    assert.deepEqual(
      before.applications.map((a) => [a.appId, a.outcome]),
      [
        ['crm', 'verified'],
        ['ldap', 'not-yet-verified'],
        ['wiki', 'not-yet-verified'],
      ],
    );
    assert.deepEqual(before.deadline, { at: at(60), status: 'pending', marginMs: 40 * MIN });
    assert.equal(appOf(before.applications, 'wiki').attention[0]?.reason, 'unverifiable');
    records.attention(EVENT, 'leaver', null, 'deadline-missed', at(60));
    const after = leaverCertificate(records.views(), new Date(at(75)));
    assert.deepEqual(after.deadline, { at: at(60), status: 'overdue', lateByMs: 15 * MIN });
    assert.equal(after.deadlineMissedAt, at(60));
  });

  void test('times are counted from receipt and from the effective time, which can differ', () => {
    const records = new PersonRecords('E1001')
      .event(EVENT, 'leaver', {
        receivedAt: at(-600),
        effectiveAt: at(0),
        completedAt: at(3),
        deadline: at(60),
      })
      .deprovisioned(EVENT, 'crm', at(3));
    const cert = leaverCertificate(records.views(), new Date(at(10)));
    assert.equal(cert.fromReceivedMs, 603 * MIN);
    assert.equal(cert.fromEffectiveMs, 3 * MIN);
  });

  void test("the person's latest leaver, or the one an event id names; anything else is not found", () => {
    const first = new PersonRecords('E1001', 'run-one')
      .event('evt-hire', 'joiner', { receivedAt: at(-2000), completedAt: at(-1999) })
      .provisioned('evt-hire', 'joiner', 'crm', at(-1999), ['crm-users'])
      .event('evt-term-old', 'leaver', { receivedAt: at(-1000), completedAt: at(-999), deadline: at(-940) })
      .deprovisioned('evt-term-old', 'crm', at(-999));
    // A rehire is a new employment: its records have keys of its own.
    const second = new PersonRecords('E1001', 'run-two')
      .event('evt-rehire', 'joiner', { receivedAt: at(-100), completedAt: at(-99) })
      .event(EVENT, 'leaver', { receivedAt: at(0), completedAt: at(2), deadline: at(60) })
      .deprovisioned(EVENT, 'crm', at(2));
    const records = [...first.views(), ...second.views().map((r) => ({ ...r, seq: r.seq! + 10 }))];
    const now = new Date(at(100));
    assert.equal(leaverCertificate(records, now).eventId, EVENT);
    assert.equal(leaverCertificate(records, now, { eventId: 'evt-term-old' }).verifiedAt, at(-999));
    assert.throws(
      () => leaverCertificate(records, now, { eventId: 'evt-hire' }),
      (e: unknown) => e instanceof CertificateNotFound && /started a joiner, not a leaver/.test(e.message),
    );
    assert.throws(
      () => leaverCertificate(records, now, { eventId: 'evt-nope' }),
      (e: unknown) => e instanceof CertificateNotFound && /evt-nope/.test(e.message),
    );
    assert.throws(
      () => leaverCertificate(first.views().slice(0, 3), now),
      (e: unknown) => e instanceof CertificateNotFound && /no leaver of E1001/.test(e.message),
    );
  });

  void test('an HR event that started no step (a duplicate) is not a leaver', () => {
    const records = new PersonRecords('E1001').event(
      'evt-dup',
      undefined,
      { receivedAt: at(0) },
      {
        type: 'terminate',
        outcome: 'duplicate',
      },
    );
    assert.throws(() => leaverCertificate(records.views(), new Date(at(1))), CertificateNotFound);
  });
});
