// The roster snapshots in the evidence database, on both backends (embedded PGlite and a real
// PostgreSQL): people as last sent, written only over the state an import started from, and each
// source's last complete import.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RosterPerson } from '../../domain/roster-diff';
import type { RosterEmployee } from '../../domain/roster';
import { RosterConflictError } from '../../evidence/roster-snapshots';
import type { EvidenceStore } from '../../evidence/store';
import { EVIDENCE_BACKENDS } from '../support/evidence-backends';

const row: RosterEmployee = {
  id: 'E1',
  userName: 'ada.lovelace',
  email: 'ada@example.com',
  givenName: 'Ada',
  familyName: 'Lovelace',
  department: 'Engineering',
  title: 'Engineer',
  location: 'London',
  employmentType: 'employee',
  effectiveAt: '2027-01-04T09:00:00+01:00',
};
const hired: RosterPerson = { employeeId: 'E1', status: 'active', rowHash: 'h1', row, eventsSent: 1 };

for (const backend of EVIDENCE_BACKENDS) {
  void describe(`roster snapshots on ${backend.name}`, () => {
    let store: EvidenceStore;
    before(async () => {
      await backend.start();
      store = await (await backend.fresh()).open();
    });
    after(async () => {
      await store?.close();
      await backend.stop();
    });

    void test("a person as last sent comes back as recorded, and only in their source's roster", async () => {
      await store.rosters.recordSent('workday', hired);
      assert.deepEqual(await store.rosters.people('workday'), [hired]);
      assert.deepEqual(await store.rosters.people('bamboohr'), []);
    });

    void test('a termination keeps ids and counts only, no personal data', async () => {
      await store.rosters.recordSent('workday', { employeeId: 'E1', status: 'terminated', eventsSent: 2 });
      assert.deepEqual(await store.rosters.people('workday'), [
        { employeeId: 'E1', status: 'terminated', eventsSent: 2 },
      ]);
      const [stored] = await store.reader.query<{ row_data: unknown; row_hash: unknown }>(
        `SELECT row_data, row_hash FROM roster_people WHERE source = 'workday' AND employee_id = 'E1'`,
      );
      assert.deepEqual(stored, { row_data: null, row_hash: null });
    });

    void test('a write over another state than the one the import started from is refused', async () => {
      // E1 has had two events; an import that read them at one event writes its second.
      await assert.rejects(
        store.rosters.recordSent('workday', { ...hired, rowHash: 'h2', eventsSent: 2 }),
        (error: unknown) => error instanceof RosterConflictError && error.employeeId === 'E1',
      );
      // The same state again (the same roster imported twice at once) is no conflict.
      await store.rosters.recordSent('workday', { employeeId: 'E1', status: 'terminated', eventsSent: 2 });
      const back: RosterPerson = { ...hired, rowHash: 'h3', eventsSent: 3 };
      await store.rosters.recordSent('workday', back);
      assert.deepEqual(await store.rosters.people('workday'), [back]);
    });

    void test("the last complete import is the source's own", async () => {
      assert.equal(await store.rosters.lastImport('workday'), undefined);
      await store.rosters.complete({ source: 'workday', snapshotId: 'snapshot-1', employees: 1 });
      const second = await store.rosters.complete({
        source: 'workday',
        snapshotId: 'snapshot-2',
        employees: 3,
      });
      const last = await store.rosters.lastImport('workday');
      assert.deepEqual(last, second);
      assert.equal(last?.snapshotId, 'snapshot-2');
      assert.equal(last?.employees, 3);
      assert.match(last?.importedAt ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      assert.equal(await store.rosters.lastImport('bamboohr'), undefined);
    });
  });
}
