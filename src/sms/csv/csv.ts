/** One record of a CSV file with the line it starts on (1-based, the header included), as people count lines. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

/**
 * RFC 4180 CSV: comma-separated, fields may be quoted with `"` (a doubled `""` inside is one quote) and then span
 * lines; CRLF or LF line ends; a UTF-8 byte-order mark is ignored. Blank lines are skipped.
 */
export function parseCsv(text: string): CsvRecord[] {
  const input = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let quoted = false;
  let wasQuoted = false;
  const endField = () => {
    fields.push(wasQuoted ? field : field.trim());
    field = '';
    wasQuoted = false;
  };
  const endRecord = () => {
    endField();
    if (fields.length > 1 || fields[0] !== '') records.push({ line: recordLine, fields });
    fields = [];
  };
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (quoted) {
      if (c === '"' && input[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"') {
      if (field.trim() !== '')
        throw new CsvSyntaxError(
          line,
          'a quote inside an unquoted field; put the whole field in quotes and double the quote',
        );
      quoted = true;
      wasQuoted = true;
      field = '';
    } else if (c === ',') {
      endField();
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && input[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else if (wasQuoted) {
      if (c.trim() !== '') throw new CsvSyntaxError(line, 'text after a closing quote; put the whole field in quotes');
    } else {
      field += c;
    }
  }
  if (quoted) throw new CsvSyntaxError(recordLine, 'a quoted field is never closed');
  if (field !== '' || fields.length > 0 || wasQuoted) endRecord();
  return records;
}

// OWASP's CSV injection rule: a cell that starts with one of these is a formula to a spreadsheet, so it gets a
// leading quote. A plain number (E.164 phone numbers included) is a value, not a formula, and is left as it is.
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/;

/**
 * One CSV cell: always quoted (a `"` doubled inside), so a separator in the text (`,` or a `;` where spreadsheets
 * split on it) cannot start a new cell; and a text a spreadsheet would run as a formula defused with a leading `'`.
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const text = FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
  return `"${text.replace(/"/g, '""')}"`;
}

/** A CSV document (CRLF line ends, as RFC 4180 and spreadsheets expect). */
export function toCsv(header: string[], rows: (string | number | null | undefined)[][]): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
