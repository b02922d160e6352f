// How certificates and exports are written out: CSV by RFC 4180, the HTML certificate self-contained,
// escaped, and red (in words too) wherever an application is skipped or the leaver is late.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { leaverCertificate } from '../../domain/leaver-certificate';
import { EXPORT_COLUMNS, type PeriodExportRow } from '../../domain/period-export';
import { certificateHtml } from '../../evidence/certificate-html';
import { durationWords } from '../../evidence/duration-words';
import { csvField, exportCsv } from '../../evidence/export-csv';
import { at, PersonRecords } from '../support/step-records';

const EVENT = 'evt-term-1';

void describe('CSV export', () => {
  void test('quotes fields with commas, quotes or line breaks and doubles their quotes', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField(undefined), '');
    assert.equal(csvField(false), 'false');
    assert.equal(csvField(0), '0');
  });

  void test('a header row naming every column, then one CRLF-terminated line per row', () => {
    const row: PeriodExportRow = {
      employeeId: 'E1001',
      step: 'leaver',
      eventId: 'evt-1',
      type: 'terminate',
      receivedAt: at(0),
      applications: 2,
      verified: 2,
      skipped: 0,
      heldByOther: 0,
      late: false,
      policyVersion: '2026.11, "q4"',
    };
    const lines = exportCsv([row]).split('\r\n');
    assert.equal(lines[0], EXPORT_COLUMNS.join(','));
    assert.equal(lines[2], '', 'the last line ends with CRLF too');
    assert.equal(lines.length, 3);
    const cells = lines[1]!.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, ''));
    assert.equal(cells[EXPORT_COLUMNS.indexOf('employeeId')], 'E1001');
    assert.equal(cells[EXPORT_COLUMNS.indexOf('effectiveAt')], '');
    assert.equal(cells[EXPORT_COLUMNS.indexOf('late')], 'false');
    assert.equal(cells[EXPORT_COLUMNS.indexOf('policyVersion')], '"2026.11, ""q4"""');
  });
});

void describe('durationWords', () => {
  void test('the two largest units', () => {
    assert.equal(durationWords(450), '450ms');
    assert.equal(durationWords(61_000), '1m 1s');
    assert.equal(durationWords(5_400_000), '1h 30m');
    assert.equal(durationWords(90_061_000), '1d 1h');
    assert.equal(durationWords(3_600_000), '1h');
    assert.equal(durationWords(-120_000), '−2m');
  });
});

void describe('HTML certificate', () => {
  const records = () =>
    new PersonRecords('E1001')
      .event(EVENT, 'leaver', {
        receivedAt: at(0),
        effectiveAt: at(0),
        completedAt: at(90),
        deadline: at(60),
      })
      .deprovisioned(EVENT, 'crm', at(1), { revoked: ['crm-users'], sessionsEnded: 2 })
      .deprovisioned(EVENT, 'wiki', at(90), { deleted: true })
      .override(EVENT, 'leaver', 'sso', 'skip', at(30), 'down <b>for</b> "maintenance"');

  void test('is one page with its style inside: no script, no link, no external asset', () => {
    const page = certificateHtml(leaverCertificate(records().views(), new Date(at(120))));
    assert.match(page, /^<!doctype html>/);
    assert.match(page, /<style>[\s\S]*@media print[\s\S]*<\/style>/);
    assert.doesNotMatch(page, /<script|<link|<img|<iframe|@import|url\(|https?:\/\//i);
  });

  void test('says in red and in words that an application was skipped and the leaver is late', () => {
    const page = certificateHtml(leaverCertificate(records().views(), new Date(at(120))));
    assert.match(page, /<tr\s+class="attention"\s+data-app="sso"\s+data-outcome="skipped"/);
    assert.match(page, /<span class="bad">SKIPPED — not verified by this leaver<\/span>/);
    assert.match(page, /class="banner bad">NOT VERIFIED: 1 of 3 application\(s\) not verified/);
    assert.match(
      page,
      /<tr\s+class="attention"\s+data-app="wiki"\s+data-outcome="verified"/,
      'wiki was late',
    );
    assert.match(page, /<span class="bad">LATE by 30m<\/span>/);
    assert.match(page, /<tr\s+class=""\s+data-app="crm"\s+data-outcome="verified"/);
    const sso = /<tr[^>]*data-app="sso"[\s\S]*?<\/tr>/.exec(page)![0];
    assert.doesNotMatch(sso, /class="good"/, 'nothing of a skipped application is green');
  });

  void test('a leaver verified in time is green', () => {
    const clean = new PersonRecords('E1001')
      .event(EVENT, 'leaver', { receivedAt: at(0), completedAt: at(2), deadline: at(60) })
      .deprovisioned(EVENT, 'crm', at(2));
    const page = certificateHtml(leaverCertificate(clean.views(), new Date(at(5))));
    assert.match(page, /class="banner good">Every access removed and verified by 2026-12-01 09:02:00 UTC/);
    assert.doesNotMatch(page, /class="bad"/);
  });

  void test('escapes what people wrote', () => {
    const page = certificateHtml(leaverCertificate(records().views(), new Date(at(120))));
    assert.ok(page.includes('down &lt;b&gt;for&lt;/b&gt; &quot;maintenance&quot;'), 'the reason, escaped');
    assert.ok(!page.includes('<b>for</b>'));
  });
});
