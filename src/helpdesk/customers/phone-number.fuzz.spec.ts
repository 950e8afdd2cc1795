import { HttpException, UnprocessableEntityException } from '@nestjs/common';
import fc from 'fast-check';
import { CountryCode, getCountries, getExampleNumber, isValidPhoneNumber } from 'libphonenumber-js';
import examples from 'libphonenumber-js/examples.mobile.json';
import { toE164 } from './phone-number';

/**
 * Fuzzes what people type as a customer's phone: the answer is always an E.164 number that is valid and parses
 * back to itself, or a 422 with a reason; never another error (which would be a 500).
 */

const E164 = /^\+[1-9]\d{1,14}$/;
const COUNTRIES = getCountries();
const country = fc.constantFrom(...COUNTRIES);

const piece = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '+',
      ' ',
      '-',
      '.',
      '(',
      ')',
      '/',
      '+1',
      '+44',
      '00',
      '011',
      'tel:',
      ';ext=',
      ' ext. ',
      ' x',
      '#',
      '*',
      ',',
      '\u00a0',
      '\t',
      '\n',
    ),
  },
  // Digits from other scripts, letters of vanity numbers, and things that are not phones at all.
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '٠',
      '٣',
      '۵',
      '०',
      '７',
      '１',
      'A',
      'Z',
      'FLOWERS',
      'abc',
      '😀',
      '\u0000',
      '\ud800',
      '%2B',
    ),
  },
);
const typed = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: piece, maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: piece, minLength: 200, maxLength: 400 }) },
);

/** Calls `parse`; returns the number, or the 422's message. Anything else thrown fails the property. */
function e164OrUnprocessable(parse: () => string): { number: string } | { refused: string } {
  try {
    return { number: parse() };
  } catch (error) {
    expect(error).toBeInstanceOf(UnprocessableEntityException);
    expect((error as HttpException).getStatus()).toBe(422);
    const message = (error as HttpException).message;
    expect(message.length).toBeGreaterThan(10);
    return { refused: message };
  }
}

describe('toE164, fuzzed', () => {
  it('answers E.164 or a 422 for anything typed, in any account country (5,000 cases)', () => {
    fc.assert(
      fc.property(typed, country, (input, defaultCountry) => {
        const result = e164OrUnprocessable(() => toE164(input, defaultCountry));

        if ('number' in result) {
          expect(result.number).toMatch(E164);
          expect(isValidPhoneNumber(result.number)).toBe(true);
          // Stored numbers are read again (matching, sending): the same number from any account's country.
          expect(toE164(result.number, defaultCountry)).toBe(result.number);
          expect(toE164(result.number, 'US')).toBe(result.number);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('reads every country’s mobile number as people write it at home and abroad (1,000 cases over 245 countries)', () => {
    const samples = COUNTRIES.flatMap((c) => {
      const example = getExampleNumber(c, examples);
      return example ? [{ country: c, example }] : [];
    });
    fc.assert(
      fc.property(fc.constantFrom(...samples), country, ({ country: home, example }, accountCountry) => {
        // National format in the account's own country; international format from any account.
        expect(toE164(example.formatNational(), home as CountryCode)).toBe(example.number);
        expect(toE164(example.formatInternational(), accountCountry)).toBe(example.number);
      }),
      { numRuns: 1000 },
    );
  });
});
