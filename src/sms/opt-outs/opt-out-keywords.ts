/** The keywords carriers and Twilio honour by default; the whole text must be the keyword. */
export const OPT_OUT_KEYWORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT'] as const;
export const OPT_IN_KEYWORDS = ['START', 'UNSTOP', 'YES'] as const;
export const HELP_KEYWORDS = ['HELP', 'INFO'] as const;

export type KeywordKind = 'opt_out' | 'opt_in' | 'help';

/** The keyword a text consists of (any case, surrounding spaces ignored), or null for an ordinary text. */
export function smsKeyword(body: string): { kind: KeywordKind; keyword: string } | null {
  const word = body.trim().toUpperCase();
  if ((OPT_OUT_KEYWORDS as readonly string[]).includes(word)) return { kind: 'opt_out', keyword: word };
  if ((OPT_IN_KEYWORDS as readonly string[]).includes(word)) return { kind: 'opt_in', keyword: word };
  if ((HELP_KEYWORDS as readonly string[]).includes(word)) return { kind: 'help', keyword: word };
  return null;
}
