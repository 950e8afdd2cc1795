import { SegmentedMessage } from 'sms-segments-calculator';
import { analyzeSms, applySmartEncoding, SmsEncoding } from './segments';
import { FAMILY, FLAG, WORD_SENTENCE } from './segments.spec.fixtures';

describe('analyzeSms', () => {
  const corpus: Array<[string, string, SmsEncoding, number]> = [
    ['GSM extension characters', '€[]{}^~|\\', 'GSM-7', 1],
    ['form feed (an escape too)', 'page one\fpage two', 'GSM-7', 1],
    ['Word punctuation', WORD_SENTENCE, 'UCS-2', 2],
    ['emoji', 'Great job 😀👍🏽', 'UCS-2', 1],
    ['ZWJ sequences', `${FAMILY} and 🏳️‍🌈 and 🧑🏽‍💻`, 'UCS-2', 1],
    ['flags', `${FLAG}🇩🇪🇯🇵`, 'UCS-2', 1],
    ['CJK', '您好，您的工单已更新。', 'UCS-2', 1],
    ['mixed', 'Ticket #42: Grüße aus Köln – 東京 ✔ {ok}', 'UCS-2', 1],
    ['160 GSM chars', 'a'.repeat(160), 'GSM-7', 1],
    ['161 GSM chars', 'a'.repeat(161), 'GSM-7', 2],
    ['80 euro signs = 160 septets', '€'.repeat(80), 'GSM-7', 1],
    ['81 euro signs = 162 septets', '€'.repeat(81), 'GSM-7', 2],
    ['70 UCS-2 chars', '中'.repeat(70), 'UCS-2', 1],
    ['71 UCS-2 chars', '中'.repeat(71), 'UCS-2', 2],
    ['35 emoji = 70 code units', '😀'.repeat(35), 'UCS-2', 1],
    ['36 emoji = 72 code units', '😀'.repeat(36), 'UCS-2', 2],
    ['153 * 3 GSM chars', 'b'.repeat(459), 'GSM-7', 3],
    ['67 * 3 UCS-2 chars', '字'.repeat(201), 'UCS-2', 3],
    ['empty', '', 'GSM-7', 1],
  ];

  it.each(corpus)('counts %s like sms-segments-calculator', (_name, text, encoding, segments) => {
    const library = new SegmentedMessage(text, 'auto', false);

    const analysis = analyzeSms(text, { smartEncoding: false });

    expect(analysis).toEqual({
      text,
      encoding,
      segments,
      characters: library.numberOfCharacters,
      nonGsmCharacters: library.getNonGsmCharacters(),
    });
    expect(library.segmentsCount).toBe(segments);
  });

  it.each(corpus)('with smart encoding counts %s like sms-segments-calculator', (_name, text) => {
    const library = new SegmentedMessage(text, 'auto', true);

    const analysis = analyzeSms(text, { smartEncoding: true });

    expect(analysis).toEqual({
      text: library.graphemes.join(''),
      encoding: library.encodingName,
      segments: library.segmentsCount,
      characters: library.numberOfCharacters,
      nonGsmCharacters: library.getNonGsmCharacters(),
    });
  });

  it('counts GSM escapes as two characters', () => {
    expect(analyzeSms('€[]{}^~|\\\f', { smartEncoding: false }).characters).toBe(20);
  });

  it('counts an emoji ZWJ sequence as one character but 11 code units of room', () => {
    expect(analyzeSms(FAMILY, { smartEncoding: false }).characters).toBe(1);
    expect(analyzeSms(FAMILY.repeat(6), { smartEncoding: false }).segments).toBe(1); // 66 units
    expect(analyzeSms(FAMILY.repeat(7), { smartEncoding: false }).segments).toBe(2); // 77 units
  });

  it('smart encoding makes a Word sentence with curly quotes GSM-7 and one segment', () => {
    const plain = analyzeSms(WORD_SENTENCE, { smartEncoding: false });

    const smart = analyzeSms(WORD_SENTENCE, { smartEncoding: true });

    expect(plain).toMatchObject({ encoding: 'UCS-2', segments: 2, nonGsmCharacters: ['“', '–', '’', '…', '’', '”'] });
    expect(smart).toEqual({
      text: '"Thanks for your patience - we\'ve escalated ticket #4821 to billing... We\'ll reply within 24 hours."',
      encoding: 'GSM-7',
      segments: 1,
      characters: 100,
      nonGsmCharacters: [],
    });
  });
});

describe('applySmartEncoding', () => {
  it('uses Twilio’s map, which widens a no-break space to two spaces and a tab to seven', () => {
    expect(applySmartEncoding('a\u00a0b\tc')).toBe(`a  b${' '.repeat(7)}c`);
  });

  it('leaves emoji and CJK alone', () => {
    expect(applySmartEncoding(`${FAMILY} 中文 ${FLAG}`)).toBe(`${FAMILY} 中文 ${FLAG}`);
  });
});
