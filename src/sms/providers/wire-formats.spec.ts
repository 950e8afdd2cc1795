import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Each provider's wire format (its field names, status words, URLs and SDK) lives in its own folder: nothing else in
 * the module may know it. Words both providers and the module share (`delivered`, `undelivered`, `failed`, `mediaUrls`)
 * are left out; what is here is only ever the provider's.
 */
interface WireWord {
  pattern: RegExp;
  /** A line that leaks it, so the pattern is known to catch what it is for. */
  leak: string;
}

const TWILIO: WireWord[] = [
  { pattern: /\b(MessageSid|SmsMessageSid|SmsSid)\b/, leak: "const sid = body['MessageSid'];" },
  { pattern: /[.'"`]MessageStatus\b|\bSmsStatus\b/, leak: 'const raw = body.MessageStatus;' },
  { pattern: /\bNumMedia\b|\bNumSegments\b/, leak: 'if (form.NumMedia > 0) {' },
  { pattern: /\bMediaUrl\d*\b|\bMediaContentType/, leak: 'const url = form[`MediaUrl${i}`];' },
  { pattern: /\bAccountSid\b|\bErrorCode\b/, leak: 'const code = body.ErrorCode;' },
  { pattern: /x-twilio-signature/i, leak: "request.header('X-Twilio-Signature')" },
  { pattern: /twilio\.com/i, leak: "const api = 'https://api.twilio.com';" },
  { pattern: /\/2010-04-01\//, leak: 'fetch(`${base}/2010-04-01/Accounts/${sid}/Messages.json`)' },
  { pattern: /IncomingPhoneNumbers/i, leak: 'await client.incomingPhoneNumbers.list({ phoneNumber })' },
  { pattern: /<Response\s*\/>/, leak: "return '<Response/>';" },
  { pattern: /['"]canceled['"]/, leak: "if (status === 'canceled') return 'failed';" },
  { pattern: /webhooks\/twilio\b/, leak: 'statusCallbackUrl: `${base}/webhooks/twilio/status?m=${id}`' },
  {
    pattern: /from ['"]twilio[/'"]|import\(['"]twilio['"]\)/,
    leak: "import { validateRequest } from 'twilio/lib/webhooks/webhooks';",
  },
];

const FLOWROUTE: WireWord[] = [
  { pattern: /flowroute\.com/i, leak: "apiUrl: 'https://api.flowroute.com/v2.1'" },
  { pattern: /\b(dlr_callback|media_urls|is_mms)\b/, leak: 'const payload = { to, from, dlr_callback: url };' },
  { pattern: /\bdelivery_receipt\b/, leak: "if (data.type === 'delivery_receipt') {" },
  { pattern: /\bstatus_code(_description)?\b/, leak: 'const code = attributes.status_code;' },
  { pattern: /\b(mime_type|file_size|file_name)\b/, leak: 'const type = item.attributes.mime_type;' },
  { pattern: /\b(start_date|end_date)\b/, leak: 'new URLSearchParams({ start_date: since })' },
  { pattern: /\bdata\.attributes\b|\.relationships\b/, leak: 'const from = body.data.attributes.from;' },
  { pattern: /\bmdr2-/, leak: "const id = 'mdr2-39cadeace66e11e7aff806cd7f24ba2d';" },
  { pattern: /amazonaws\.com/, leak: "mediaHosts: ['s3.us-west-2.amazonaws.com']" },
  { pattern: /webhooks\/flowroute\b/, leak: 'return `${base}/webhooks/flowroute/${token}`;' },
];

const SMS = join(__dirname, '..');
const TWILIO_FOLDER = join(__dirname, 'twilio');
const FLOWROUTE_FOLDER = join(__dirname, 'flowroute');

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && path !== __filename ? [path] : [];
  });
}

/** `file:line: text` for every line of `files` outside `home` that a word matches. */
function leaks(files: string[], home: string, words: WireWord[]): string[] {
  return files
    .filter((file) => !file.startsWith(home + '/'))
    .flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, i) =>
          words.some((w) => w.pattern.test(line)) ? [`${relative(SMS, file)}:${i + 1}: ${line.trim()}`] : [],
        ),
    );
}

function hits(files: string[], home: string, words: WireWord[]): number {
  return files
    .filter((file) => file.startsWith(home + '/'))
    .filter((file) => words.some((w) => w.pattern.test(readFileSync(file, 'utf8')))).length;
}

describe('provider wire formats', () => {
  const files = sourceFiles(SMS);

  it.each([
    ['Twilio', TWILIO],
    ['Flowroute', FLOWROUTE],
  ])('every %s word catches the leak it is listed for', (_provider, words) => {
    const missed = words.filter((word) => !word.pattern.test(word.leak)).map((word) => word.leak);
    expect(missed).toEqual([]);
  });

  it("Twilio's field names, status words, URLs and SDK appear only in providers/twilio", () => {
    expect(hits(files, TWILIO_FOLDER, TWILIO)).toBeGreaterThan(0);
    expect(leaks(files, TWILIO_FOLDER, TWILIO)).toEqual([]);
  });

  it("Flowroute's JSON:API fields, URLs and hosts appear only in providers/flowroute", () => {
    expect(hits(files, FLOWROUTE_FOLDER, FLOWROUTE)).toBeGreaterThan(0);
    expect(leaks(files, FLOWROUTE_FOLDER, FLOWROUTE)).toEqual([]);
  });

  it('names the file and line of a leak (this spec, full of them, stands in for a leaking file)', () => {
    const found = leaks([...files, __filename], TWILIO_FOLDER, TWILIO);
    expect(found).toContainEqual(expect.stringMatching(/^providers\/wire-formats\.spec\.ts:\d+: .*X-Twilio-Signature/));
  });
});
