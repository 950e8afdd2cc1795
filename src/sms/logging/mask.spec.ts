import { maskPhone } from './mask';

describe('maskPhone', () => {
  it('hides the middle digits of E.164 and formatted numbers', () => {
    expect(maskPhone('+15551234567')).toBe('+15•••••4567');
    expect(maskPhone('to (555) 123-4567 now')).toBe('to 55••••4567 now');
    expect(maskPhone('From=%2B447400123456')).not.toContain('7400123');
  });

  it('leaves short numbers such as ticket numbers alone', () => {
    expect(maskPhone('ticket 1234')).toBe('ticket 1234');
  });

  it('keeps ids and timestamps whole, and still masks a number beside them', () => {
    const id = '0b7d2f4e-1234-4567-8901-234567890123';
    expect(maskPhone(`/api/tickets/${id}/sms`)).toBe(`/api/tickets/${id}/sms`);
    expect(maskPhone('opens 2026-11-26T08:00:00.000Z, held since 2026-11-25 17:30')).toBe(
      'opens 2026-11-26T08:00:00.000Z, held since 2026-11-25 17:30',
    );
    expect(maskPhone(`${id} texted from +15551234567 at 2026-11-25T10:00:00Z`)).toBe(
      `${id} texted from +15•••••4567 at 2026-11-25T10:00:00Z`,
    );
  });

  it('does not take a formatted phone number for a date', () => {
    expect(maskPhone('call 0171-55-555555')).not.toContain('555555');
  });
});
