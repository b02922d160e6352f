// CSV as RFC 4180 writes it: records separated by line breaks, fields by commas, a field in double
// quotes may hold commas, line breaks and doubled quotes (""). Each record keeps the line it starts on,
// so a roster's problems name the line a person reads in their editor. Pure: no I/O.

/** One record and the line (1-based) it starts on; a quoted field may carry it over further lines. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/** Something that is not CSV, at the line where it is. */
export interface CsvProblem {
  line: number;
  message: string;
}

export interface CsvParse {
  records: CsvRecord[];
  problems: CsvProblem[];
}

const QUOTE = '"';
const COMMA = ',';

/**
 * Reads every record of `text`. Line breaks may be CRLF (as the RFC has it) or LF (as most tools
 * write); a UTF-8 byte order mark (spreadsheets write one) is dropped; the line break after the last
 * record is optional and makes no empty record. Problems do not stop the reading where it can go on,
 * so a file's problems are reported together; only an unclosed quote swallows the rest of the file.
 */
export function parseCsv(text: string): CsvParse {
  const records: CsvRecord[] = [];
  const problems: CsvProblem[] = [];
  let i = text.startsWith('\uFEFF') ? 1 : 0;
  let line = 1;
  let fields: string[] = [];
  let recordLine = 1;

  const lineBreakAt = (at: number): number => {
    if (text[at] === '\r' && text[at + 1] === '\n') return 2;
    return text[at] === '\n' || text[at] === '\r' ? 1 : 0;
  };

  while (i < text.length) {
    let field = '';
    if (text[i] === QUOTE) {
      const openedOn = line;
      i += 1;
      let closed = false;
      while (i < text.length) {
        if (text[i] === QUOTE) {
          if (text[i + 1] === QUOTE) {
            field += QUOTE;
            i += 2;
            continue;
          }
          i += 1;
          closed = true;
          break;
        }
        const lineBreak = lineBreakAt(i);
        if (lineBreak) {
          field += text.slice(i, i + lineBreak);
          i += lineBreak;
          line += 1;
          continue;
        }
        field += text[i];
        i += 1;
      }
      if (!closed) {
        problems.push({ line: openedOn, message: 'a quoted field is never closed (a " is missing)' });
        fields.push(field);
        records.push({ line: recordLine, fields });
        return { records, problems };
      }
      // After the closing quote only a comma or the end of the record may follow.
      let stray = '';
      while (i < text.length && text[i] !== COMMA && !lineBreakAt(i)) stray += text[i++];
      if (stray) {
        problems.push({
          line,
          message: `text after a closing quote (${JSON.stringify(stray)}): quote the whole field`,
        });
        field += stray;
      }
    } else {
      while (i < text.length && text[i] !== COMMA && !lineBreakAt(i)) field += text[i++];
      if (field.includes(QUOTE)) {
        problems.push({
          line,
          message: 'a " inside an unquoted field: quote the field and double the " inside it',
        });
      }
    }
    fields.push(field);
    if (text[i] === COMMA) {
      i += 1;
      // A comma at the very end still ends an empty last field.
      if (i === text.length) {
        fields.push('');
        records.push({ line: recordLine, fields });
        return { records, problems };
      }
      continue;
    }
    // The end of the record: a line break, or the end of the text.
    records.push({ line: recordLine, fields });
    fields = [];
    const lineBreak = lineBreakAt(i);
    i += lineBreak;
    if (lineBreak) line += 1;
    recordLine = line;
  }
  return { records, problems };
}

/** A record with no content: an empty line (one empty field). */
export function isBlank(record: CsvRecord): boolean {
  return record.fields.length === 1 && record.fields[0] === '';
}
