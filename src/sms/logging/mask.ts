/** Keeps a phone number recognisable in logs without exposing it: +12•••••4567 (country code start, last four). */
export function maskPhone(value: string): string {
  return value.replace(/\+?\(?\d[\d\s().-]{6,}\d/g, (match) => {
    const digits = match.replace(/\D/g, '');
    if (digits.length < 8) return match;
    const plus = match.startsWith('+') ? '+' : '';
    return `${plus}${digits.slice(0, 2)}${'•'.repeat(digits.length - 6)}${digits.slice(-4)}`;
  });
}
