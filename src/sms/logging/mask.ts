// Ids and timestamps are made of digit runs too, and a log line needs them whole to be of any use.
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const ISO_DATE_TIME =
  '(?:19|20)\\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\\d|3[01])(?![\\d-])(?:[T ]\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d+)?)?(?:Z|[+-]\\d{2}:?\\d{2})?)?';
const KEPT = new RegExp(`(${UUID}|${ISO_DATE_TIME})`, 'i');
const PHONE_LIKE = /\+?\(?\d[\d\s().-]{6,}\d/g;

/** Keeps a phone number recognisable in logs without exposing it: +12•••••4567 (country code start, last four). */
export function maskPhone(value: string): string {
  // split() with a capturing group: the kept ids and timestamps are at the odd indexes.
  return value
    .split(KEPT)
    .map((part, i) => (i % 2 === 1 ? part : maskDigits(part)))
    .join('');
}

function maskDigits(value: string): string {
  return value.replace(PHONE_LIKE, (match) => {
    const digits = match.replace(/\D/g, '');
    if (digits.length < 8) return match;
    const plus = match.startsWith('+') ? '+' : '';
    return `${plus}${digits.slice(0, 2)}${'•'.repeat(digits.length - 6)}${digits.slice(-4)}`;
  });
}
