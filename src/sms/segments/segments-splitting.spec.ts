import fc from 'fast-check';
import { SegmentedMessage } from 'sms-segments-calculator';
import {
  analyzeSms,
  applySmartEncoding,
  MAX_SEGMENTABLE_CHARACTERS,
  MAX_SMS_CHARACTERS,
  SmsAnalysis,
  SmsTooLongToAnalyzeError,
  splitSms,
} from './segments';
import { FAMILY, FLAG, WORD_SENTENCE } from './segments.spec.fixtures';

// Whitespace the splitter may break at (\s minus the no-break spaces), as a regex class.
const SPACE = '[^\\S\\u00a0\\u2007\\u202f\\ufeff]';
const NON_SPACE = '[\\S\\u00a0\\u2007\\u202f\\ufeff]';
const isSpace = (grapheme: string): boolean => new RegExp(`^${SPACE}+$`).test(grapheme);
const graphemesOf = (text: string): string[] =>
  Array.from(new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text), (s) => s.segment);
const texts = (parts: SmsAnalysis[]): string[] => parts.map((part) => part.text);
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe('splitSms', () => {
  const split = (text: string, smartEncoding = false): SmsAnalysis[] =>
    splitSms(text, { smartEncoding, mode: 'split' });

  it('returns a text that fits one segment as one part, verbatim and without a counter', () => {
    expect(texts(split('  hello  '))).toEqual(['  hello  ']);
    expect(texts(split('a'.repeat(160)))).toEqual(['a'.repeat(160)]);
    expect(texts(split('中'.repeat(70)))).toEqual(['中'.repeat(70)]);
  });

  it('breaks at whitespace and drops it, leaving room for the counter', () => {
    const words = Array.from({ length: 20 }, () => 'abcdefghi');

    const parts = split(words.join(' '));

    // 15 words = 149 chars; a 16th would need 159 + 6 for " (1/2)" > 160.
    expect(texts(parts)).toEqual([`${words.slice(0, 15).join(' ')} (1/2)`, `${words.slice(15).join(' ')} (2/2)`]);
  });

  it('drops whitespace at the edges of a multi-part text', () => {
    const parts = split(`\n\n${'word '.repeat(40)}\n`);

    expect(parts[0].text.startsWith('word')).toBe(true);
    expect(parts[parts.length - 1].text).toMatch(/word \(\d\/\d\)$/);
  });

  it('cuts a word longer than a segment, filling each part to exactly 160 septets', () => {
    const parts = split(`x ${'y'.repeat(400)}`);

    expect(texts(parts)).toEqual([`x ${'y'.repeat(152)} (1/3)`, `${'y'.repeat(154)} (2/3)`, `${'y'.repeat(94)} (3/3)`]);
    expect(parts.map((part) => part.characters)).toEqual([160, 160, 100]);
  });

  it('never splits a GSM escape: an odd septet left over stays unused', () => {
    const parts = split(`a${'€'.repeat(200)}`);

    expect(parts[0].text).toBe(`a${'€'.repeat(76)} (1/3)`); // 1 + 152 + 6 = 159 septets
    expect(parts.every((part) => part.segments === 1)).toBe(true);
  });

  it('never splits a surrogate pair', () => {
    const parts = split(`x${'😀'.repeat(40)}`);

    expect(texts(parts)).toEqual([`x${'😀'.repeat(31)} (1/2)`, `${'😀'.repeat(9)} (2/2)`]); // 63 + 6 units
    expect(parts.some((part) => LONE_SURROGATE.test(part.text))).toBe(false);
  });

  it('never splits a ZWJ sequence or a flag', () => {
    expect(texts(split(FAMILY.repeat(12)))).toEqual([
      `${FAMILY.repeat(5)} (1/3)`,
      `${FAMILY.repeat(5)} (2/3)`,
      `${FAMILY.repeat(2)} (3/3)`,
    ]);
    expect(texts(split(FLAG.repeat(40)))).toEqual([
      `${FLAG.repeat(16)} (1/3)`,
      `${FLAG.repeat(16)} (2/3)`,
      `${FLAG.repeat(8)} (3/3)`,
    ]);
  });

  it('cuts a grapheme too big for any part (stacked combining marks) at code points, keeping surrogate pairs', () => {
    const zalgo = `😀${'\u0301'.repeat(100)}`;

    const parts = split(`ok ${zalgo}`);

    expect(parts.map((part) => part.segments)).toEqual([1, 1]);
    expect(parts.map((part) => part.text.replace(/ \(\d\/2\)$/, '')).join('')).toBe(`ok ${zalgo}`);
    expect(parts.some((part) => LONE_SURROGATE.test(part.text))).toBe(false);
  });

  it('widens the counter when there are ten parts or more', () => {
    const parts = split('lorem '.repeat(300));

    expect(parts.length).toBeGreaterThanOrEqual(10);
    expect(parts[0].text).toMatch(new RegExp(` \\(1/${parts.length}\\)$`));
    expect(parts[parts.length - 1].text).toMatch(new RegExp(` \\(${parts.length}/${parts.length}\\)$`));
    expect(parts.every((part) => part.segments === 1)).toBe(true);
  });

  it('keeps room for a two-digit counter when one-digit room would take ten parts, and sends fewer', () => {
    // Each 63-character word fits a part beside ` (9/9)` (69 of 70) but not beside ` (10/10)` (71).
    const group = `${'中'.repeat(29)} ${'中'.repeat(63)}`;
    const text = Array(5).fill(group).join(' ');

    const parts = split(text);

    // Uncut, the five groups would take ten parts, and ten parts leave no room for a whole 63-character word.
    // So each long word is cut to fill the part before it, and the text goes in nine parts, not ten.
    expect(parts).toHaveLength(9);
    expect(parts.every((part) => part.segments === 1)).toBe(true);
    expect(parts.map((part) => part.text.length)).toEqual([68, 67, 68, 68, 39, 68, 67, 68, 7]);
    expect(parts[0].text).toBe(`${'中'.repeat(29)} ${'中'.repeat(32)} (1/9)`);
    expect(
      parts
        .map((part) => part.text.replace(/ \(\d\/9\)$/, ''))
        .join('')
        .replace(/ /g, ''),
    ).toBe(text.replace(/ /g, ''));
  });

  it('decides the encoding of each part on its own', () => {
    const parts = split(`${'word '.repeat(40)}🙂`);

    expect(parts.map((part) => part.encoding)).toEqual(['GSM-7', 'UCS-2']);
    expect(parts[1].text).toBe(`${'word '.repeat(9)}🙂 (2/2)`); // 31 words (154 septets) went into the GSM-7 part
  });

  it('does not break at a no-break space, unless smart encoding turned it into spaces', () => {
    const text = `${'x'.repeat(40)}\u00a0${'y'.repeat(20)} ${'z'.repeat(40)}`;

    expect(texts(split(text))).toEqual([`${'x'.repeat(40)}\u00a0${'y'.repeat(20)} (1/2)`, `${'z'.repeat(40)} (2/2)`]);
    expect(texts(split(text, true))).toEqual([`${'x'.repeat(40)}  ${'y'.repeat(20)} ${'z'.repeat(40)}`]);
  });

  it('smart-encodes before splitting', () => {
    const parts = split(`${WORD_SENTENCE} ${WORD_SENTENCE}`, true);

    expect(parts.map((part) => part.encoding)).toEqual(['GSM-7', 'GSM-7']);
    expect(parts[0].text.startsWith('"Thanks')).toBe(true);
  });

  it('returns one empty part for blank text longer than a segment', () => {
    expect(texts(split(' '.repeat(200)))).toEqual(['']);
  });

  it('concatenates into one part', () => {
    const text = 'lorem '.repeat(300);

    const parts = splitSms(text, { smartEncoding: false, mode: 'concatenate' });

    expect(parts).toEqual([analyzeSms(text, { smartEncoding: false })]);
    expect(parts[0].segments).toBe(12);
    expect(parts[0].characters).toBeGreaterThan(MAX_SMS_CHARACTERS); // the caller's cue to refuse it
  });
});

describe('properties', () => {
  const GSM_BASIC = ['a', 'b', 'Z', '7', '@', '£', 'é', 'Ñ', '!', '?', '.', '-'];
  const GSM_EXTENSION = ['€', '[', ']', '{', '}', '^', '~', '|', '\\', '\f'];
  const SMART_PUNCTUATION = ['“', '”', '‘', '’', '–', '—', '…', '\u00a0', '«', '»'];
  const EMOJI = ['😀', '👍🏽', FAMILY, '🏳️‍🌈', FLAG, '🇯🇵', '1️⃣'];
  const CJK = ['中', '文', '字', '工', '单', '。'];
  const SPACES = [' ', ' ', ' ', '  ', '\n', '\t', '\r\n'];

  const textFrom = (weights: { emoji: number; cjk: number; spaces: number }, maxLength: number): fc.Arbitrary<string> =>
    fc
      .array(
        fc.oneof(
          { weight: 20, arbitrary: fc.constantFrom(...GSM_BASIC) },
          { weight: 4, arbitrary: fc.constantFrom(...GSM_EXTENSION) },
          { weight: 4, arbitrary: fc.constantFrom(...SMART_PUNCTUATION) },
          { weight: weights.emoji, arbitrary: fc.constantFrom(...EMOJI) },
          { weight: weights.cjk, arbitrary: fc.constantFrom(...CJK) },
          { weight: weights.spaces, arbitrary: fc.constantFrom(...SPACES) },
        ),
        { maxLength, size: 'max' }, // the default size would stay under one segment
      )
      .map((fragments) => fragments.join(''));

  const prose = (maxLength: number): fc.Arbitrary<string> => textFrom({ emoji: 2, cjk: 4, spaces: 8 }, maxLength);
  const longWord = textFrom({ emoji: 1, cjk: 2, spaces: 0 }, 250).map(
    (text) => text.replace(new RegExp(SPACE, 'g'), '-'), // \f is a GSM escape but also whitespace
  );
  const smsText = fc.oneof(
    prose(400),
    textFrom({ emoji: 0, cjk: 0, spaces: 8 }, 400), // GSM-7 once smart-encoded
    // A word that may be longer than a part, amid prose: the only place a word may be cut.
    fc.tuple(prose(150), longWord, prose(150)).map((pieces) => pieces.join(' ')),
  );
  const runs = { numRuns: 300 };

  /** Strips and checks the ` (i/n)` counters: numbered 1..n in order, absent on a lone part. */
  const bodiesOf = (parts: SmsAnalysis[]): string[] => {
    if (parts.length === 1) return [parts[0].text];
    return parts.map(({ text }, i) => {
      const counter = ` (${i + 1}/${parts.length})`;
      expect(text.endsWith(counter)).toBe(true);
      return text.slice(0, -counter.length);
    });
  };

  /**
   * The sent text must be w0 b1 w1 b2 ... bn wn: the bodies in order, each w a (possibly empty) run of breakable
   * whitespace dropped at an edge or a break. Returns the w's. (A scan, not one big regex: that backtracks
   * exponentially when it fails. Greedy skipping is exact here as no generated grapheme starts with whitespace.)
   */
  const gapsBetween = (sent: string, bodies: string[]): string[] => {
    const leadingSpace = new RegExp(`^${SPACE}*`);
    let offset = 0;
    const skipSpace = (): string => {
      const gap = leadingSpace.exec(sent.slice(offset))?.[0] ?? '';
      offset += gap.length;
      return gap;
    };
    const gaps = bodies.map((body) => {
      const gap = skipSpace();
      expect(sent.slice(offset, offset + body.length)).toBe(body);
      offset += body.length;
      return gap;
    });
    gaps.push(skipSpace());
    expect(offset).toBe(sent.length);
    return gaps;
  };

  /** The maximal run of non-breakable characters around an offset. */
  const wordAround = (text: string, offset: number): string => {
    const before = new RegExp(`${NON_SPACE}*$`).exec(text.slice(0, offset))?.[0] ?? '';
    const after = new RegExp(`^${NON_SPACE}*`).exec(text.slice(offset))?.[0] ?? '';
    return before + after;
  };

  it('analyzeSms agrees with sms-segments-calculator', () => {
    fc.assert(
      fc.property(smsText, fc.boolean(), (text, smartEncoding) => {
        const library = new SegmentedMessage(text, 'auto', smartEncoding);

        const analysis = analyzeSms(text, { smartEncoding });

        expect(analysis).toEqual({
          text: library.graphemes.join(''),
          encoding: library.encodingName,
          segments: library.segmentsCount,
          characters: library.numberOfCharacters,
          nonGsmCharacters: library.getNonGsmCharacters(),
        });
      }),
      runs,
    );
  });

  it('split: every part, counter included, is exactly one segment', () => {
    fc.assert(
      fc.property(smsText, fc.boolean(), (text, smartEncoding) => {
        for (const part of splitSms(text, { smartEncoding, mode: 'split' })) {
          expect(part.segments).toBe(1);
          expect(new SegmentedMessage(part.text, 'auto').segmentsCount).toBe(1);
        }
      }),
      runs,
    );
  });

  it('split: parts are numbered in order and re-join into the text, up to whitespace at edges and breaks', () => {
    fc.assert(
      fc.property(smsText, fc.boolean(), (text, smartEncoding) => {
        const sent = analyzeSms(text, { smartEncoding }).text;

        const parts = splitSms(text, { smartEncoding, mode: 'split' });

        if (new SegmentedMessage(sent).segmentsCount === 1) {
          expect(texts(parts)).toEqual([sent]); // fits: verbatim, no counter
          return;
        }
        const bodies = bodiesOf(parts);
        if (bodies.length === 1 && bodies[0] === '') {
          expect(graphemesOf(sent).every(isSpace)).toBe(true); // blank text
          return;
        }
        for (const body of bodies) {
          const graphemes = graphemesOf(body);
          expect(graphemes.length).toBeGreaterThan(0);
          expect(isSpace(graphemes[0]) || isSpace(graphemes[graphemes.length - 1])).toBe(false);
        }
        expect(gapsBetween(sent, bodies)).toHaveLength(bodies.length + 1);
      }),
      runs,
    );
  });

  it('split: breaks fall on grapheme boundaries, and inside a word only when it is longer than a part', () => {
    fc.assert(
      fc.property(smsText, fc.boolean(), (text, smartEncoding) => {
        const sent = analyzeSms(text, { smartEncoding }).text;
        const boundaries = new Set([0]);
        graphemesOf(sent).reduce((end, grapheme) => boundaries.add(end + grapheme.length) && end + grapheme.length, 0);

        const parts = splitSms(text, { smartEncoding, mode: 'split' });

        if (parts.length === 1) return; // no break
        const bodies = bodiesOf(parts);
        const gaps = gapsBetween(sent, bodies);
        let offset = gaps[0].length;
        bodies.slice(0, -1).forEach((body, i) => {
          const breakStart = offset + body.length;
          offset = breakStart + gaps[i + 1].length;
          expect(boundaries.has(breakStart) && boundaries.has(offset)).toBe(true);
          if (gaps[i + 1] === '') {
            // The room kept is the widest counter's, or two digits' when one-digit room took ten parts or more.
            const word = wordAround(sent, breakStart);
            const digits = Math.max(String(parts.length).length, 2);
            const counterRoom = ` (${'9'.repeat(digits)}/${'9'.repeat(digits)})`;
            expect(new SegmentedMessage(word + counterRoom).segmentsCount).toBeGreaterThan(1);
          }
        });
      }),
      runs,
    );
  });

  it('concatenate: one part whose segments equal SegmentedMessage’s count', () => {
    fc.assert(
      fc.property(smsText, fc.boolean(), (text, smartEncoding) => {
        const parts = splitSms(text, { smartEncoding, mode: 'concatenate' });

        expect(parts).toHaveLength(1);
        expect(parts[0].text).toBe(smartEncoding ? applySmartEncoding(text) : text);
        expect(parts[0].segments).toBe(new SegmentedMessage(text, 'auto', smartEncoding).segmentsCount);
      }),
      runs,
    );
  });
});

describe('bounds', () => {
  it('refuses a text longer than MAX_SEGMENTABLE_CHARACTERS, and splits one of that length', () => {
    const longest = 'word '.repeat(MAX_SEGMENTABLE_CHARACTERS / 5);

    expect(() => analyzeSms(`${longest}x`, { smartEncoding: false })).toThrow(SmsTooLongToAnalyzeError);
    expect(() => splitSms(`${longest}x`, { smartEncoding: false, mode: 'split' })).toThrow(SmsTooLongToAnalyzeError);
    const parts = splitSms(longest, { smartEncoding: false, mode: 'split' });
    expect(parts.every((part) => part.segments === 1)).toBe(true);
    expect(parts.map((part) => part.text.replace(/ \(\d+\/\d+\)$/, '')).join(' ')).toBe(longest.trim());
  });

  it.each([0, 1, 2, 3])(
    'never splits a flag where a grapheme window ends inside it (%i letters before the flags)',
    (lead) => {
      const text = `${'a'.repeat(lead)}${FLAG.repeat(150)}`;

      const parts = splitSms(text, { smartEncoding: false, mode: 'split' });

      expect(parts.flatMap((p) => graphemesOf(p.text.replace(/ \(\d+\/\d+\)$/, '')))).toEqual(graphemesOf(text));
    },
  );

  it('counts a long text across grapheme windows as the library does: flags, ZWJ sequences and CR LF at every offset', () => {
    const text = `${FLAG}${FAMILY}\r\ne\u0301 `.repeat(200);

    const analysis = analyzeSms(text, { smartEncoding: false });

    const library = new SegmentedMessage(text, 'auto');
    expect([analysis.segments, analysis.characters]).toEqual([library.segmentsCount, library.numberOfCharacters]);
    expect(
      splitSms(text, { smartEncoding: false, mode: 'split' }).flatMap((p) =>
        graphemesOf(p.text.replace(/ \(\d+\/\d+\)$/, '')).filter((g) => !isSpace(g)),
      ),
    ).toEqual(graphemesOf(text).filter((g) => !isSpace(g)));
  });
});
