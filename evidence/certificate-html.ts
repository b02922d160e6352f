// The revocation certificate as one self-contained HTML page (no script, no external asset): it opens
// in any browser and prints cleanly on A4 or Letter. What was not verified — a skipped application, a
// late or overdue leaver — is in red, in words as well as in colour, so a black-and-white print says
// it too. It names the person by employee id only: the store holds no names.
import type {
  CertificateApp,
  DeadlineCheck,
  LeaverCertificate,
  ShownState,
} from '../domain/leaver-certificate';
import { durationWords, instantWords } from './duration-words';

export const HTML_MEDIA_TYPE = 'text/html; charset=utf-8';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** Tagged template: every interpolated value is escaped unless it is markup made here (Html). */
class Html {
  constructor(readonly text: string) {}
}
type Part = string | number | Html | undefined | null | false | Part[];
function part(value: Part): string {
  if (value === undefined || value === null || value === false) return '';
  if (Array.isArray(value)) return value.map(part).join('');
  if (value instanceof Html) return value.text;
  return escapeHtml(String(value));
}
function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  return new Html(strings.reduce((out, s, i) => out + s + (i < values.length ? part(values[i]) : ''), ''));
}

const STYLE = `
  :root { --bad: #b00020; --bad-bg: #fdecee; --good: #1b5e20; --muted: #555; --rule: #ccc; }
  * { box-sizing: border-box; }
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
    color: #111; margin: 0; background: #fff; }
  main { max-width: 1100px; margin: 0 auto; padding: 32px 40px; }
  h1 { font-size: 26px; margin: 0 0 4px; letter-spacing: .01em; }
  h2 { font-size: 16px; margin: 28px 0 8px; border-bottom: 1px solid var(--rule); padding-bottom: 4px; }
  .subtitle { color: var(--muted); margin: 0 0 18px; }
  .banner { padding: 12px 16px; border-radius: 6px; font-weight: 600; font-size: 16px; margin: 12px 0 20px;
    border: 2px solid; }
  .banner.good { color: var(--good); border-color: var(--good); background: #edf7ee; }
  .banner.bad { color: var(--bad); border-color: var(--bad); background: var(--bad-bg); }
  dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 24px; margin: 0; }
  dl.facts dt { color: var(--muted); }
  dl.facts dd { margin: 0; }
  table { width: 100%; border-collapse: collapse; font-size: 13px; }
  th, td { text-align: left; vertical-align: top; padding: 7px 8px; border-bottom: 1px solid var(--rule); }
  th { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted);
    border-bottom: 2px solid #888; }
  tr.attention td { background: var(--bad-bg); }
  tr.attention td:first-child { box-shadow: inset 4px 0 0 var(--bad); }
  table.apps td:nth-child(3) { min-width: 150px; }
  table.apps td:nth-child(4) { width: 30%; }
  td.when { white-space: nowrap; }
  .bad { color: var(--bad); font-weight: 600; }
  .good { color: var(--good); font-weight: 600; }
  .muted { color: var(--muted); }
  .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12px;
    overflow-wrap: anywhere; }
  ul.plain { margin: 0; padding-left: 16px; }
  footer { margin-top: 28px; color: var(--muted); font-size: 12px; }
  @page { size: auto; margin: 14mm 12mm; }
  @media print {
    body { font-size: 10pt; }
    main { max-width: none; padding: 0; }
    table { font-size: 8.5pt; }
    th { font-size: 7.5pt; }
    th, td { padding: 4px 5px; }
    td.hash { font-size: 7pt; white-space: nowrap; }
    .banner, tr.attention td { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
    tr, .banner, dl.facts { break-inside: avoid; }
    thead { display: table-header-group; }
    h2 { break-after: avoid; }
  }
`;

const when = (iso: string | undefined) => (iso ? instantWords(iso) : undefined);
/** In a narrow column: the day above the time. */
const timeCell = (iso: string) => {
  const [day, time] = instantWords(iso).split(' ');
  return html`${day}<br />${time} UTC`;
};

function deadlineWords(check: DeadlineCheck | undefined): Html {
  if (!check) return html`<span class="muted">no deadline recorded</span>`;
  switch (check.status) {
    case 'met':
      return html`<span class="good">met</span>, ${durationWords(check.marginMs ?? 0)} to spare`;
    case 'late':
      return html`<span class="bad">LATE by ${durationWords(check.lateByMs ?? 0)}</span>`;
    case 'overdue':
      return html`<span class="bad"
        >OVERDUE: not verified, ${durationWords(check.lateByMs ?? 0)} past it</span
      >`;
    case 'pending':
      return html`<span class="muted">not verified yet, ${durationWords(check.marginMs ?? 0)} left</span>`;
  }
}

function banner(cert: LeaverCertificate): Html {
  const late = cert.deadline?.status === 'late' || cert.deadline?.status === 'overdue';
  if (cert.status === 'verified' && !late) {
    return html`<p class="banner good">Every access removed and verified by ${when(cert.verifiedAt)}</p>`;
  }
  const words: string[] = [];
  if (cert.status === 'incomplete') {
    const open = cert.counts.notYetVerified + cert.applications.filter((a) => !a.verifiedAt && a.skip).length;
    words.push(`NOT VERIFIED: ${open} of ${cert.counts.applications} application(s) not verified`);
  } else if (cert.status === 'verified-after-follow-up') {
    words.push(
      `Verified only after follow-ups: ${cert.counts.skipped} application(s) were skipped by an operator`,
    );
  }
  if (cert.deadline?.status === 'late') words.push(`LATE by ${durationWords(cert.deadline.lateByMs ?? 0)}`);
  if (cert.deadline?.status === 'overdue') {
    words.push(`past the deadline by ${durationWords(cert.deadline.lateByMs ?? 0)}`);
  }
  if (cert.status !== 'incomplete') words.push(`verified everywhere by ${when(cert.verifiedAt)}`);
  return html`<p class="banner bad">${words.join(' — ')}</p>`;
}

function stateWords(state: ShownState): string {
  if (!state.exists) return 'account gone';
  const parts = [state.active ? 'account ACTIVE' : 'account inactive'];
  parts.push(state.entitlements.length ? `holds ${state.entitlements.join(', ')}` : 'no entitlements');
  if (state.openSessions !== null)
    parts.push(state.openSessions ? `${state.openSessions} open session(s)` : 'no sessions');
  return parts.join(', ');
}

function removedCell(app: CertificateApp): Html {
  const items: string[] = [];
  if (app.removed.deleted) items.push('account deleted');
  else if (app.removed.disabled) items.push('account disabled');
  if (app.removed.revoked.length) items.push(`revoked ${app.removed.revoked.join(', ')}`);
  if (app.removed.sessionsEnded) items.push(`${app.removed.sessionsEnded} session(s) ended`);
  if (items.length === 0) return html`<span class="muted">nothing to remove</span>`;
  return html`<ul class="plain">
    ${items.map((i) => html`<li>${i}</li>`)}
  </ul>`;
}

function outcomeCell(app: CertificateApp): Html {
  switch (app.outcome) {
    case 'verified':
      return html`<span class="good">verified</span>`;
    case 'held-by-other':
      return html`<span class="good">nothing held</span><br /><span class="muted"
          >the account is ${app.heldBy ?? 'another person'}'s: untouched</span
        >`;
    case 'skipped':
      return html`<span class="bad">SKIPPED — not verified by this leaver</span>`;
    case 'not-yet-verified':
      return html`<span class="bad">NOT VERIFIED yet</span>`;
  }
}

function verifiedByCell(app: CertificateApp): Html {
  const lines: Html[] = [];
  if (app.skip) {
    lines.push(
      html`<div class="bad">
        skipped by ${app.skip.by} (${app.skip.via}) at
        ${when(app.skip.at)}${app.skip.reason ? html`: “${app.skip.reason}”` : ''}
      </div>`,
    );
    lines.push(
      app.skip.followUp.verified
        ? html`<div>follow-up verified it at ${when(app.skip.followUp.verifiedAt)}</div>`
        : html`<div class="bad">follow-up still open</div>`,
    );
  }
  const v = app.verification;
  if (v?.evidence === 'read-back') lines.push(html`<div>read back: ${stateWords(v.state)}</div>`);
  if (v?.evidence === 'record') lines.push(html`<div>jml's record: nothing was granted here</div>`);
  if (v?.evidence === 'attestation') {
    const a = app.attestation;
    lines.push(
      a
        ? html`<div>
            attested by ${a.by}${a.via ? ` (${a.via})` : ''} at ${when(a.at)}, task
            <span class="mono">${a.taskId}</span>${a.note ? html`: “${a.note}”` : ''}
          </div>`
        : html`<div>attested (the attestation record is missing)</div>`,
    );
  }
  if (!v && app.gaps.length) lines.push(html`<div class="bad">still: ${app.gaps.join('; ')}</div>`);
  for (const flag of app.attention) {
    lines.push(html`<div class="muted">flagged ${flag.reason} at ${when(flag.at)}</div>`);
  }
  return html`${lines}`;
}

function appRow(app: CertificateApp): Html {
  const attention =
    app.outcome === 'skipped' ||
    app.outcome === 'not-yet-verified' ||
    app.deadline?.status === 'late' ||
    app.deadline?.status === 'overdue';
  return html`<tr
    class="${attention ? 'attention' : ''}"
    data-app="${app.appId}"
    data-outcome="${app.outcome}"
  >
    <td><strong>${app.appId}</strong></td>
    <td>${outcomeCell(app)}</td>
    <td>${removedCell(app)}</td>
    <td>${verifiedByCell(app)}</td>
    <td class="when">${app.verifiedAt ? timeCell(app.verifiedAt) : html`<span class="bad">—</span>`}</td>
    <td>
      ${app.fromReceivedMs === undefined ? '—' : durationWords(app.fromReceivedMs)}${
        app.fromEffectiveMs === undefined || app.fromEffectiveMs === app.fromReceivedMs
          ? ''
          : html`<br /><span class="muted">${durationWords(app.fromEffectiveMs)} from effective</span>`
      }
    </td>
    <td>${deadlineWords(app.deadline)}</td>
  </tr>`;
}

function facts(cert: LeaverCertificate): Html {
  const rows: [string, Part][] = [
    ['Employee', html`<strong>${cert.employeeId}</strong>`],
    [
      'HR event',
      html`<span class="mono">${cert.eventId}</span> (termination from
        ${cert.source}${cert.urgent ? ', urgent' : ''})`,
    ],
    ['Occurred (HR)', when(cert.occurredAt)],
    ['Received by jml', when(cert.receivedAt)],
    ['Effective', cert.effectiveAt ? when(cert.effectiveAt) : 'at once'],
    [
      'Deadline',
      cert.deadline ? html`${when(cert.deadline.at)} — ${deadlineWords(cert.deadline)}` : 'none recorded',
    ],
    ['Verified everywhere', cert.verifiedAt ? when(cert.verifiedAt) : html`<span class="bad">not yet</span>`],
    [
      'Time to verified',
      cert.fromReceivedMs === undefined
        ? '—'
        : `${durationWords(cert.fromReceivedMs)} from the HR event` +
          (cert.fromEffectiveMs === undefined || cert.fromEffectiveMs === cert.fromReceivedMs
            ? ''
            : `, ${durationWords(cert.fromEffectiveMs)} from its effective time`),
    ],
    ['Policy version', cert.policyVersion ? html`<span class="mono">${cert.policyVersion}</span>` : '—'],
  ];
  if (cert.deadlineMissedAt) {
    rows.push(['Deadline alert', html`<span class="bad">raised at ${when(cert.deadlineMissedAt)}</span>`]);
  }
  return html`<dl class="facts">
    ${rows.map(
      ([dt, dd]) =>
        html`<dt>${dt}</dt>
          <dd>${dd}</dd>`,
    )}
  </dl>`;
}

function evidenceSection(cert: LeaverCertificate): Html {
  const seqs = cert.evidence.records.map((r) => r.seq).filter((s): s is number => s !== undefined);
  const count = `${cert.evidence.records.length} record${cert.evidence.records.length === 1 ? '' : 's'}`;
  const range = seqs.length ? `${count} (numbers ${Math.min(...seqs)}–${Math.max(...seqs)})` : count;
  return html`<h2>Evidence</h2>
    <p>
      ${range} of chain <span class="mono">${cert.evidence.chainId}</span> in jml's evidence store:
      hash-chained and signed. Check them with <span class="mono">jml audit verify</span>.
    </p>
    <table>
      <thead>
        <tr>
          <th>#</th>
          <th>Record</th>
          <th>Application</th>
          <th>SHA-256</th>
        </tr>
      </thead>
      <tbody>
        ${cert.evidence.records.map(
          (r) =>
            html`<tr>
              <td>${r.seq ?? ''}</td>
              <td>${r.kind}</td>
              <td>${r.appId ?? '—'}</td>
              <td class="mono hash">${r.hash ?? ''}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}

export function certificateHtml(cert: LeaverCertificate): string {
  const page = html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>Revocation certificate — ${cert.employeeId} — ${cert.eventId}</title>
        <style>
          ${new Html(STYLE)}
        </style>
      </head>
      <body>
        <main>
          <h1>Revocation certificate</h1>
          <p class="subtitle">
            Access of employee ${cert.employeeId} removed by jml after HR event ${cert.eventId}
          </p>
          ${banner(cert)} ${facts(cert)}
          <h2>Applications (${cert.counts.applications})</h2>
          <table class="apps">
            <thead>
              <tr>
                <th>Application</th>
                <th>Outcome</th>
                <th>Removed</th>
                <th>Verified by</th>
                <th>Verified at</th>
                <th>Time to verified</th>
                <th>Deadline</th>
              </tr>
            </thead>
            <tbody>
              ${cert.applications.map(appRow)}
            </tbody>
          </table>
          ${evidenceSection(cert)}
          <footer>Generated ${when(cert.generatedAt)} by jml from its evidence store. Times are UTC.</footer>
        </main>
      </body>
    </html> `;
  return page.text;
}
