import { UnprocessableEntityException } from '@nestjs/common';
import { toE164 } from './phone-number';

describe('toE164', () => {
  it('reads national formats in the account country and international ones anywhere', () => {
    expect(toE164('(201) 555-0123', 'US')).toBe('+12015550123');
    expect(toE164('07400 123456', 'GB')).toBe('+447400123456');
    expect(toE164('+44 7400 123456', 'US')).toBe('+447400123456');
  });

  it('refuses what is not a phone number, with the reason', () => {
    expect(() => toE164('hello', 'US')).toThrow(UnprocessableEntityException);
    expect(() => toE164('hello', 'US')).toThrow(/cannot be read: it is not a phone number/);
    expect(() => toE164('555', 'US')).toThrow(/Phone number "555"/);
  });
});
