import { HttpException, UnprocessableEntityException } from '@nestjs/common';
import fc from 'fast-check';
import { getCountries, getExampleNumber, isValidPhoneNumber } from 'libphonenumber-js';
import examples from 'libphonenumber-js/examples.mobile.json';
import { parseBusinessNumber } from './sms-numbers.service';

/**
 * Fuzzes what an admin types as a business number: always an E.164 number that is valid and parses back to
 * itself, or a 422 with a reason; never another error (which would be a 500).
 */

const E164 = /^\+[1-9]\d{1,14}$/;

const piece = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '+',
      '+',
      ' ',
      '-',
      '.',
      '(',
      ')',
      '+1',
      '+44',
      '+39',
      '00',
      'tel:',
      ';ext=',
      ' x',
      '\u00a0',
      '\t',
    ),
  },
  { weight: 2, arbitrary: fc.constantFrom('٣', '７', 'A', 'FLOWERS', '😀', '\u0000', '\ud800', '%2B') },
);
const typed = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: piece, maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: piece, minLength: 200, maxLength: 400 }) },
);

function numberOrRefusal(input: string): string | null {
  try {
    return parseBusinessNumber(input);
  } catch (error) {
    expect(error).toBeInstanceOf(UnprocessableEntityException);
    expect((error as HttpException).getStatus()).toBe(422);
    expect((error as HttpException).message.length).toBeGreaterThan(10);
    return null;
  }
}

describe('parseBusinessNumber, fuzzed', () => {
  it('answers E.164 or a 422 for anything typed (5,000 cases)', () => {
    fc.assert(
      fc.property(typed, (input) => {
        const number = numberOrRefusal(input);

        if (number !== null) {
          expect(number).toMatch(E164);
          expect(isValidPhoneNumber(number)).toBe(true);
          expect(parseBusinessNumber(number)).toBe(number);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('reads any country’s number written internationally (1,000 cases over 245 countries)', () => {
    const samples = getCountries().flatMap((country) => getExampleNumber(country, examples) ?? []);
    fc.assert(
      fc.property(fc.constantFrom(...samples), (example) => {
        expect(parseBusinessNumber(example.formatInternational())).toBe(example.number);
        expect(parseBusinessNumber(` ${example.number} `)).toBe(example.number);
      }),
      { numRuns: 1000 },
    );
  });
});
