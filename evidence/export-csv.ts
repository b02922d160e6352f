// The period export as CSV (RFC 4180): a header row naming the columns, CRLF line ends, and a field
// quoted (its quotes doubled) when it holds a comma, a quote or a line break. Empty: not recorded.
import { EXPORT_COLUMNS, type PeriodExportRow } from '../domain/period-export';

export const CSV_MEDIA_TYPE = 'text/csv; charset=utf-8; header=present';

export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === undefined || value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: (string | number | boolean | null | undefined)[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

export function exportCsv(rows: PeriodExportRow[]): string {
  return (
    csvLine([...EXPORT_COLUMNS]) + rows.map((row) => csvLine(EXPORT_COLUMNS.map((c) => row[c]))).join('')
  );
}
