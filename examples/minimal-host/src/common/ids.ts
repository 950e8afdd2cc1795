/**
 * Our ids are PostgreSQL serials; ids that come back from ticket-sms or a URL are strings. Anything that is not one of
 * ours (not a number, or past `integer`) is null, and finds nothing.
 */
export function ourId(id: string): number | null {
  return /^[1-9][0-9]{0,9}$/.test(id) && Number(id) <= 2_147_483_647 ? Number(id) : null;
}
