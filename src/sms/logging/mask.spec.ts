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
});
