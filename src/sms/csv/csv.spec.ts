import { csvCell, CsvSyntaxError, parseCsv, toCsv } from './csv';

describe('parseCsv', () => {
  const sut = parseCsv;

  it('reads records with the line each starts on, skipping blank lines and a byte-order mark', () => {
    expect(sut('\ufeffnumber,team\r\n+12025550100,Support\r\n\r\n+12025550101, Dispatch \n')).toEqual([
      { line: 1, fields: ['number', 'team'] },
      { line: 2, fields: ['+12025550100', 'Support'] },
      { line: 4, fields: ['+12025550101', 'Dispatch'] },
    ]);
  });

  it('keeps quoted fields as written, with doubled quotes, commas and line breaks inside', () => {
    expect(sut('a,b\n"x, ""y""","two\nlines"\nlast,')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x, "y"', 'two\nlines'] },
      { line: 4, fields: ['last', ''] },
    ]);
  });

  it('names the line of a quote that is never closed or stray text after a closing quote', () => {
    expect(() => sut('a\n"open')).toThrow(new CsvSyntaxError(2, 'a quoted field is never closed'));
    expect(() => sut('a\n"x"y')).toThrow(/^line 2: text after a closing quote/);
    expect(() => sut('a\nx"y')).toThrow(/^line 2: a quote inside an unquoted field/);
  });
});

describe('csv output', () => {
  it('quotes every text cell and defuses formulas by the OWASP rule, leaving plain numbers alone', () => {
    expect(csvCell('+12025550100')).toBe('"+12025550100"');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('+cmd')).toBe(`"'+cmd"`);
    expect(csvCell('-2-3')).toBe(`"'-2-3"`);
    expect(csvCell('+1 (202) 555-0100')).toBe(`"'+1 (202) 555-0100"`);
    expect(csvCell('@SUM(A1)')).toBe(`"'@SUM(A1)"`);
    expect(csvCell('\t=1')).toBe(`"'\t=1"`);
    // Where a spreadsheet splits on semicolons, the quotes keep `=1+2` inside this cell.
    expect(csvCell('Bob;=1+2')).toBe('"Bob;=1+2"');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell(null)).toBe('');
    expect(csvCell(-3)).toBe('-3');
    expect(toCsv(['n', 'v'], [['x', 1]])).toBe('"n","v"\r\n"x",1\r\n');
  });

  it('round-trips through the parser', () => {
    const rows = [
      ['a "quoted", text', 'line\nbreak'],
      ['plain', ''],
    ];
    expect(parseCsv(toCsv(['h1', 'h2'], rows)).map((r) => r.fields)).toEqual([['h1', 'h2'], ...rows]);
  });
});
