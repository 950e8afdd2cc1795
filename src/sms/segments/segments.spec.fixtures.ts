/** Texts both segments specs use: a sentence with Word's punctuation, and emoji made of several code points. */
export const WORD_SENTENCE =
  '“Thanks for your patience – we’ve escalated ticket #4821 to billing… We’ll reply within 24 hours.”';
export const FAMILY = '👨‍👩‍👧‍👦';
export const FLAG = '🇫🇷';
