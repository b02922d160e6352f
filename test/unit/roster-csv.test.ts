// The CSV reader of rosters: RFC 4180 records with quoted fields, the line each record starts on, and
// every problem of a file at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBlank, parseCsv } from '../../domain/roster-csv';

const fieldsOf = (text: string) => parseCsv(text).records.map((r) => r.fields);

void test('records end at CRLF or LF, and the line break after the last record is optional', () => {
  assert.deepEqual(fieldsOf('a,b\r\nc,d\r\n'), [
    ['a', 'b'],
    ['c', 'd'],
  ]);
  assert.deepEqual(fieldsOf('a,b\nc,d'), [
    ['a', 'b'],
    ['c', 'd'],
  ]);
  assert.deepEqual(fieldsOf(''), []);
});

void test('empty fields are kept, at the start, in the middle and at the end of a record', () => {
  assert.deepEqual(fieldsOf(',x,,\n'), [['', 'x', '', '']]);
  assert.deepEqual(fieldsOf('a,b,'), [['a', 'b', '']], 'a comma at the very end ends an empty field');
});

void test('a quoted field holds commas, doubled quotes and line breaks', () => {
  const { records, problems } = parseCsv('"Engineer, Senior","say ""hi""","two\nlines",x\r\nnext,"",y,z\n');
  assert.deepEqual(problems, []);
  assert.deepEqual(records, [
    { line: 1, fields: ['Engineer, Senior', 'say "hi"', 'two\nlines', 'x'] },
    { line: 3, fields: ['next', '', 'y', 'z'] },
  ]);
});

void test('each record keeps the line it starts on, counting the lines inside quoted fields', () => {
  const { records } = parseCsv('h\n"a\r\nb\r\nc"\n\nlast\n');
  assert.deepEqual(
    records.map((r) => [r.line, r.fields]),
    [
      [1, ['h']],
      [2, ['a\r\nb\r\nc']],
      [5, ['']],
      [6, ['last']],
    ],
  );
  assert.equal(isBlank(records[2]!), true, 'an empty line is a blank record');
  assert.equal(isBlank(records[0]!), false);
  assert.equal(isBlank({ line: 1, fields: ['', ''] }), false, 'a line of empty fields is not blank');
});

void test('a byte order mark at the start is not part of the first field', () => {
  assert.deepEqual(fieldsOf('\uFEFFid,name\n'), [['id', 'name']]);
});

void test('every problem of a file is reported, each at its line', () => {
  const { records, problems } = parseCsv('ok,1\nsay "hi",2\n"closed"late,3\nfine,4\n');
  assert.deepEqual(problems, [
    { line: 2, message: 'a " inside an unquoted field: quote the field and double the " inside it' },
    { line: 3, message: 'text after a closing quote ("late"): quote the whole field' },
  ]);
  assert.deepEqual(records.at(-1), { line: 4, fields: ['fine', '4'] }, 'reading goes on after a problem');
});

void test('an unclosed quote is reported at the line where the field opened', () => {
  const { records, problems } = parseCsv('a,b\nc,"never closed\nmore\n');
  assert.deepEqual(problems, [{ line: 2, message: 'a quoted field is never closed (a " is missing)' }]);
  assert.equal(records.length, 2);
});
