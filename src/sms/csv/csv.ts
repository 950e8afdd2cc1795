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
      if (field.trim() !== '') throw new CsvSyntaxError(line, 'a quote inside an unquoted field; put the whole field in quotes and double the quote');
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

// A cell a spreadsheet would run as a formula; phone numbers (+1 555…) are left as they are.
const FORMULA = /^[=@\t\r]|^[+-](?![\d\s().-]*$)/;

/** One CSV cell: quoted when needed, and formula-looking text defused with a leading quote (CSV injection). */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A CSV document (CRLF line ends, as RFC 4180 and spreadsheets expect). */
export function toCsv(header: string[], rows: (string | number | null | undefined)[][]): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
