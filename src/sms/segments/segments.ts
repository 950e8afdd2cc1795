import GraphemeSplitter from 'grapheme-splitter';
// The package root re-exports none of these, so reach into dist to reuse Twilio's own character tables.
import EncodedChar from 'sms-segments-calculator/dist/libs/EncodedChar';
import SmartEncodingMap from 'sms-segments-calculator/dist/libs/SmartEncodingMap';
import UnicodeToGSM from 'sms-segments-calculator/dist/libs/UnicodeToGSM';

export type SmsEncoding = 'GSM-7' | 'UCS-2';

/** Twilio rejects longer bodies (error 21617); callers compare `characters` with it before a concatenated send. */
export const MAX_SMS_CHARACTERS = 1600;

export interface SmsAnalysis {
  /** Text as it will be sent, after smart encoding (and with the part counter, for a split part). */
  text: string;
  encoding: SmsEncoding;
  segments: number;
  /** As the library counts: GSM-7 septets (escapes count 2), or graphemes for UCS-2. */
  characters: number;
  nonGsmCharacters: string[];
}

export type SplitMode = 'split' | 'concatenate';

// One un-concatenated SMS carries 140 octets: 160 septets or 70 UTF-16 code units.
const GSM7_SINGLE_SEGMENT = 160;
const UCS2_SINGLE_SEGMENT = 70;

// Whitespace we may break at: everything \s matches except the no-break spaces.
const BREAKABLE_SPACE = /^[^\S\u00a0\u2007\u202f\ufeff]+$/;

/** Typographic quotes, dashes, ellipses, non-breaking spaces etc. → GSM-7 equivalents (Twilio's Smart Encoding map). */
export function applySmartEncoding(text: string): string {
  // Per code point, exactly as SegmentedMessage does, so our analysis and the library's agree.
  return Array.from(text, (char) => SmartEncodingMap[char] ?? char).join('');
}

/**
 * Longest text analysed or split: a text this long is already 20 times what one SMS send may carry, so callers
 * that accept more (an inbound body, a rendered template) refuse it before it gets here.
 */
export const MAX_SEGMENTABLE_CHARACTERS = 20 * MAX_SMS_CHARACTERS;

export class SmsTooLongToAnalyzeError extends RangeError {
  constructor(length: number) {
    super(
      `A text of ${length} characters is longer than the ${MAX_SEGMENTABLE_CHARACTERS} that can be counted into SMS segments`,
    );
    this.name = 'SmsTooLongToAnalyzeError';
  }
}

export function analyzeSms(text: string, options: { smartEncoding: boolean }): SmsAnalysis {
  if (text.length > MAX_SEGMENTABLE_CHARACTERS) throw new SmsTooLongToAnalyzeError(text.length);
  const sent = options.smartEncoding ? applySmartEncoding(text) : text;
  const message = segmentedMessage(sent);
  return {
    text: sent,
    encoding: message.encodingName,
    segments: message.segments,
    characters: message.characters,
    nonGsmCharacters: message.encodedChars.filter((char) => !char.isGSM7).map((char) => char.raw),
  };
}

const graphemeSplitter = new GraphemeSplitter();

/**
 * What sms-segments-calculator's SegmentedMessage computes, with its grapheme splitter, tables and segment class,
 * in time linear in the text: its own constructor collects graphemes with Array.concat in a loop, which is quadratic
 * (32,000 characters took seconds).
 */
function segmentedMessage(text: string): {
  encodingName: SmsEncoding;
  encodedChars: EncodedChar[];
  characters: number;
  segments: number;
} {
  const gsm = gsmCharacters(text);
  // The library counts CR LF as two characters, as the network sends them.
  const graphemes = gsm ?? graphemeSplitter.splitGraphemes(text).flatMap((g) => (g === '\r\n' ? ['\r', '\n'] : [g]));
  // A text with one character outside GSM-7 is UCS-2: that character is a grapheme of its own or part of a longer one.
  const encodingName: SmsEncoding = gsm ? 'GSM-7' : 'UCS-2';
  const encodedChars = graphemes.map((g) => new EncodedChar(g, encodingName));
  const characters =
    encodingName === 'UCS-2' ? graphemes.length : encodedChars.reduce((sum, char) => sum + char.codeUnits.length, 0);
  return { encodingName, encodedChars, characters, segments: countSegments(encodedChars) };
}

/**
 * The characters of a text that is GSM-7 throughout, one per code unit, or null: no GSM-7 character combines with
 * another into one grapheme (CR LF does, and is counted as two anyway), so most texts skip the grapheme splitter.
 */
function gsmCharacters(text: string): string[] | null {
  for (let i = 0; i < text.length; i++) if (!UnicodeToGSM[text.charCodeAt(i)]) return null;
  return text.split('');
}

// One segment carries 140 octets; the concatenation header (Segment's six UserDataHeader octets) takes 6 of them.
const SEGMENT_BITS = 1120;
const HEADER_BITS = 48;

/**
 * SegmentedMessage._buildSegments by the bit: once a second segment is needed, the first gets its header and hands
 * what no longer fits to the second. Sums are kept as it goes (the library's Segment re-adds a segment per character).
 */
function countSegments(encodedChars: readonly EncodedChar[]): number {
  let segments = 1;
  let used = 0;
  // Sizes in the first segment, while it has no header and may still hand characters over.
  let first: number[] | null = [];
  for (const char of encodedChars) {
    const size = char.sizeInBits();
    if (SEGMENT_BITS - used < size) {
      segments++;
      let carried = 0;
      if (first) {
        let firstUsed = used + HEADER_BITS;
        while (firstUsed > SEGMENT_BITS && first.length > 0) {
          const moved = first.pop()!;
          firstUsed -= moved;
          carried += moved;
        }
        first = null;
      }
      used = HEADER_BITS + carried;
    }
    used += size;
    first?.push(size);
  }
  return segments;
}

/**
 * 'split': several SMS, each exactly ONE segment INCLUDING a part counter suffix ` (1/3)`; breaks at whitespace,
 * never inside a word unless a word is longer than a segment, never inside a surrogate pair, grapheme or GSM escape.
 * A text that fits one segment is returned as one part with no counter. 'concatenate': one part (the whole text).
 * Text is smart-encoded first when options.smartEncoding. `analysis`: the caller's `analyzeSms` of this text with these
 * options, not done again.
 *
 * Split rules: the whole whitespace run at a break is dropped (so leading/trailing whitespace of a multi-part text
 * goes too); whitespace inside a part is kept verbatim; a word longer than a part starts in the current part and is
 * cut at grapheme boundaries; the counter is ` (i/n)` unpadded, with room reserved for the widest one. When room for
 * a one-digit counter takes ten parts or more, room for two digits is kept even if the parts then number nine or
 * fewer (cutting the words that no longer fit can save a part): redoing it with less room would take ten again.
 */
export function splitSms(
  text: string,
  options: { smartEncoding: boolean; mode: SplitMode; analysis?: SmsAnalysis },
): SmsAnalysis[] {
  const whole = options.analysis ?? analyzeSms(text, { smartEncoding: options.smartEncoding });
  if (options.mode === 'concatenate' || whole.segments <= 1) return [whole];

  const bodies = splitIntoBodies(whole.text);
  // Trimming the edge whitespace can leave a single part (or none, for blank text): no counter then.
  if (bodies.length <= 1) return [analyzeSms(bodies[0] ?? '', { smartEncoding: false })];
  // Each part is its own SMS, so each is analysed (and encoded) on its own: a part without emoji stays GSM-7.
  return bodies.map((body, i) => analyzeSms(body + partCounter(i + 1, bodies.length), { smartEncoding: false }));
}

function partCounter(index: number, total: number): string {
  return ` (${index}/${total})`;
}

/** What a piece of text costs in each encoding; septets is null when it cannot be sent as GSM-7. */
interface Piece {
  text: string;
  septets: number | null;
  units: number;
}

interface Word {
  gap: Piece; // whitespace before the word, kept only when the word joins a non-empty part
  word: Piece;
  graphemes: Piece[];
}

const EMPTY: Piece = { text: '', septets: 0, units: 0 };

function join(a: Piece, b: Piece): Piece {
  const septets = a.septets === null || b.septets === null ? null : a.septets + b.septets;
  return { text: a.text + b.text, septets, units: a.units + b.units };
}

function fits(piece: Piece, reserve: number): boolean {
  return piece.septets === null
    ? piece.units + reserve <= UCS2_SINGLE_SEGMENT
    : piece.septets + reserve <= GSM7_SINGLE_SEGMENT;
}

function splitIntoBodies(text: string): string[] {
  const words = toWords(text);
  // Reserve the widest counter for the digit count; redo with a wider one if the parts gain a digit.
  for (let digits = 1; ; digits++) {
    const bodies = fillParts(words, ` (/)`.length + 2 * digits);
    if (String(bodies.length).length <= digits) return bodies;
  }
}

function fillParts(words: Word[], reserve: number): string[] {
  const bodies: string[] = [];
  let part = EMPTY;
  const flush = (): void => {
    if (part.text) bodies.push(part.text);
    part = EMPTY;
  };

  for (const { gap: rawGap, word, graphemes } of words) {
    const gap = part.text ? rawGap : EMPTY;
    const extended = join(join(part, gap), word);
    if (fits(extended, reserve)) {
      part = extended;
    } else if (fits(word, reserve)) {
      flush(); // the gap is dropped at the break
      part = word;
    } else {
      // A word longer than a whole part is cut at grapheme boundaries, filling the current part first.
      let lead = gap;
      for (const piece of graphemes.flatMap((g) => (fits(g, reserve) ? [g] : codePoints(g)))) {
        if (!fits(join(join(part, lead), piece), reserve)) {
          flush();
          lead = EMPTY;
        }
        part = join(join(part, lead), piece);
        lead = EMPTY;
      }
    }
  }
  flush();
  return bodies;
}

/** Words with the whitespace run before each; whitespace after the last word is never needed. */
function toWords(text: string): Word[] {
  const words: Word[] = [];
  let gap = EMPTY;
  let current: Word | undefined;
  const measured = new Map<string, Piece>(); // texts repeat the same few graphemes; the library is slowish
  for (const segment of graphemesOf(text)) {
    const piece = measured.get(segment) ?? measure(segment);
    measured.set(segment, piece);
    if (BREAKABLE_SPACE.test(segment)) {
      gap = current ? piece : join(gap, piece);
      current = undefined;
    } else if (current) {
      current.word = join(current.word, piece);
      current.graphemes.push(piece);
    } else {
      current = { gap, word: piece, graphemes: [piece] };
      words.push(current);
      gap = EMPTY;
    }
  }
  return words;
}

const GRAPHEME_WINDOW = 256;
const graphemeSegmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Intl.Segmenter's graphemes (it knows newer emoji sequences than the library's bundled grapheme-splitter 1.0.4),
 * a window at a time: V8 walks a long string's segments in quadratic time. A boundary depends on the code points
 * before it within its grapheme and on the one after it, so restarting at a boundary gives the boundaries a
 * whole-text walk gives; only the last grapheme of a window (whole code points) may be cut short, so the next
 * window starts there.
 */
function* graphemesOf(text: string): Generator<string> {
  let start = 0;
  let window = GRAPHEME_WINDOW;
  while (start < text.length) {
    let end = Math.min(text.length, start + window);
    // Never between the halves of a surrogate pair: a half read alone would end the grapheme before it too early.
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end++;
    const found = Array.from(graphemeSegmenter.segment(text.slice(start, end)), (s) => s.segment);
    if (end === text.length) {
      yield* found;
      return;
    }
    if (found.length < 2) {
      window *= 2; // one grapheme longer than the window: look further
      continue;
    }
    const last = found.pop()!;
    yield* found;
    start = end - last.length;
    window = GRAPHEME_WINDOW;
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** Last resort for a grapheme too big for a part (e.g. dozens of stacked combining marks): keep surrogate pairs. */
function codePoints(grapheme: Piece): Piece[] {
  return Array.from(grapheme.text, measure);
}

function measure(text: string): Piece {
  const message = segmentedMessage(text);
  // In UCS-2 every UTF-16 code unit costs 16 bits, GSM characters included.
  const septets = message.encodingName === 'GSM-7' ? message.characters : null;
  return { text, septets, units: text.length };
}
