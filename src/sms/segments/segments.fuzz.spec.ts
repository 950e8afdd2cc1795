import fc from 'fast-check';
import { SegmentedMessage } from 'sms-segments-calculator';
import { analyzeSms, splitSms } from './segments';

/**
 * The property specs in segments.spec.ts draw texts from hand-picked characters; this one throws anything at the
 * splitter: any code unit (lone surrogates included), control characters, combining marks, up to Twilio's 1,600
 * characters and beyond. Nothing may throw, and every part of a split text must still be exactly one segment.
 */

// `size: 'max'`: the default size keeps strings to a few characters, well under one segment.
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 1800, size: 'max' }),
  fc.string({ unit: 'grapheme', maxLength: 600, size: 'max' }),
  fc.string({ maxLength: 400 }),
  // Lone surrogates, combining marks and zero-width joiners glued to ordinary words.
  fc.string({
    unit: fc.constantFrom('a', ' ', '\ud83d', '\ude00', '\u0301', '\u200d', '€', '\u0000', '\r\n', '中', 'word '),
    maxLength: 1000,
    size: 'max',
  }),
);

describe('splitting, fuzzed', () => {
  it('never throws, and each part of a split text is one segment (200 cases)', () => {
    fc.assert(
      fc.property(anyText, fc.boolean(), (text, smartEncoding) => {
        const parts = splitSms(text, { smartEncoding, mode: 'split' });

        expect(parts.length).toBeGreaterThan(0);
        for (const part of parts) {
          expect(part.segments).toBe(1);
          expect(new SegmentedMessage(part.text, 'auto').segmentsCount).toBe(1);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('analysis and concatenation agree with Twilio’s calculator on any text (200 cases)', () => {
    fc.assert(
      fc.property(anyText, fc.boolean(), (text, smartEncoding) => {
        const expected = new SegmentedMessage(text, 'auto', smartEncoding).segmentsCount;

        const analysis = analyzeSms(text, { smartEncoding });
        const [whole] = splitSms(text, { smartEncoding, mode: 'concatenate' });

        expect(analysis.segments).toBe(expected);
        expect(whole.segments).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });
});
