import { creditsFor } from '../credits/credit-rules';
import { analyzeSms, type SplitMode, splitSms } from '../segments/segments';

/** A text as the account would send it: its smart encoding, and in split mode one SMS (and credit) per part. */
export function textCost(text: string, settings: { smartEncoding: boolean; splitMode: SplitMode }) {
  const analysis = analyzeSms(text, { smartEncoding: settings.smartEncoding });
  const parts = splitSms(text, { smartEncoding: settings.smartEncoding, mode: settings.splitMode });
  return {
    text: analysis.text,
    encoding: analysis.encoding,
    segments: analysis.segments,
    characters: analysis.characters,
    nonGsmCharacters: analysis.nonGsmCharacters,
    parts: parts.map((p) => ({ text: p.text, encoding: p.encoding, segments: p.segments })),
    credits: parts.reduce((sum, p) => sum + creditsFor('outbound', p.segments), 0),
  };
}

/** What to tell whoever writes a template or a reply that needs more than one SMS segment; null when it fits one. */
export function segmentWarning(cost: { segments: number; credits: number; encoding: string }): string | null {
  if (cost.segments <= 1) return null;
  const why =
    cost.encoding === 'UCS-2'
      ? ' It holds characters outside GSM-7 (emoji, some accents, typographic symbols), so a segment holds 70 characters, not 160.'
      : ' One segment holds 160 GSM-7 characters.';
  return `With typical values this text needs ${cost.segments} SMS segments (${cost.credits} credits per text).${why} Shorten it to send it as one SMS.`;
}
