/** The helpers a template may call: the rules validation checks them by, and what each one writes. */
import type Handlebars from 'handlebars';
import { DateTime, IANAZone } from 'luxon';
import { firstName, toText } from './template-variables';

export interface HelperRule {
  name: string;
  usage: string;
  description: string;
  minArgs: number;
  maxArgs: number;
  /** Built-in block helpers throw at runtime when used inline; ours make no sense as blocks. */
  block: boolean;
  options: readonly string[];
}

export const HELPER_RULES: readonly HelperRule[] = [
  {
    name: 'if',
    usage: '{{#if technician.firstName}}{{technician.firstName}}{{else}}our team{{/if}}',
    description: 'Shows the first part when the value is set (not empty, 0 or false), else the part after {{else}}',
    minArgs: 1,
    maxArgs: 1,
    block: true,
    options: ['includeZero'],
  },
  {
    name: 'unless',
    usage: '{{#unless portalUrl}}Reply here for news.{{/unless}}',
    description: 'Shows the part when the value is empty',
    minArgs: 1,
    maxArgs: 1,
    block: true,
    options: ['includeZero'],
  },
  {
    name: 'with',
    usage: '{{#with ticket}}#{{number}}: {{status}}{{/with}}',
    description: 'Shortens the paths inside to one group of variables',
    minArgs: 1,
    maxArgs: 1,
    block: true,
    options: [],
  },
  {
    name: 'each',
    usage: '{{#each ticket}}{{@key}}: {{this}} {{/each}}',
    description: 'Repeats the part for every value of a group, with @key and @index',
    minArgs: 1,
    maxArgs: 1,
    block: true,
    options: [],
  },
  {
    name: 'upper',
    usage: '{{upper account.name}}',
    description: 'Text in capitals',
    minArgs: 1,
    maxArgs: 1,
    block: false,
    options: [],
  },
  {
    name: 'lower',
    usage: '{{lower ticket.status}}',
    description: 'Text in small letters',
    minArgs: 1,
    maxArgs: 1,
    block: false,
    options: [],
  },
  {
    name: 'truncate',
    usage: '{{truncate ticket.problem 60}}',
    description:
      'Shortens text to at most n characters (at a word break when one is near), ending with "…" only when it was ' +
      'cut; a third argument replaces "…" (e.g. "..." keeps the SMS in GSM-7)',
    minArgs: 2,
    maxArgs: 3,
    block: false,
    options: [],
  },
  {
    name: 'default',
    usage: '{{default customer.firstName "there"}}',
    description: 'The value, or the fallback when the value is empty',
    minArgs: 2,
    maxArgs: 2,
    block: false,
    options: [],
  },
  {
    name: 'date',
    usage: '{{date businessHours.nextOpening "cccc h:mm a"}}',
    description:
      'Formats an ISO 8601 date with Luxon tokens in the time zone from `timezone`; ' +
      'text that is not a date is shown as is',
    minArgs: 1,
    maxArgs: 2,
    block: false,
    options: [],
  },
  {
    name: 'firstName',
    usage: '{{firstName customer.name}}',
    description: 'First word of a name',
    minArgs: 1,
    maxArgs: 1,
    block: false,
    options: [],
  },
];

export const TEMPLATE_HELPERS: ReadonlyArray<{ name: string; usage: string; description: string }> = HELPER_RULES.map(
  ({ name, usage, description }) => ({ name, usage, description }),
);

const DEFAULT_DATE_FORMAT = 'LLL d, h:mm a';
const WORD_BREAK_WINDOW = 15;

function truncate(text: unknown, length: unknown, suffix: unknown): string {
  const value = toText(text);
  const max = typeof length === 'number' ? length : Number(toText(length));
  if (!Number.isInteger(max) || max < 1) return value;
  // Code points, so an emoji is never cut in half.
  const chars = Array.from(value);
  if (chars.length <= max) return value;
  const tail = typeof suffix === 'string' ? suffix : '…';
  if (Array.from(tail).length >= max) return chars.slice(0, max).join('');
  const keep = max - Array.from(tail).length;
  let kept = chars.slice(0, keep).join('');
  // Prefer ending on a whole word when a break is close, so the SMS does not end in "sinc...".
  const lastBreak = kept.search(/\s\S*$/);
  if (
    !/\s/.test(chars[keep] ?? ' ') &&
    lastBreak >= 0 &&
    Array.from(kept.slice(lastBreak)).length <= WORD_BREAK_WINDOW
  ) {
    kept = kept.slice(0, lastBreak);
  }
  return kept.trimEnd() + tail;
}

function timezoneOf(options: Handlebars.HelperOptions): string {
  const root: unknown = (options.data as { root?: unknown } | undefined)?.root;
  const zone = root !== null && typeof root === 'object' ? (root as { timezone?: unknown }).timezone : undefined;
  return typeof zone === 'string' && IANAZone.isValidZone(zone) ? zone : 'UTC';
}

function formatDate(value: unknown, format: unknown, options: Handlebars.HelperOptions): string {
  const zone = timezoneOf(options);
  const date = typeof value === 'string' ? DateTime.fromISO(value.trim(), { zone }) : undefined;
  if (!date?.isValid) return toText(value);
  const tokens = typeof format === 'string' && format.trim() !== '' ? format : DEFAULT_DATE_FORMAT;
  try {
    // Pinned locale: the SMS wording must not depend on the server's locale.
    return date.setLocale('en-US').toFormat(tokens);
  } catch {
    // A format string from an admin must never stop an SMS; show the value unformatted instead.
    return toText(value);
  }
}

export type HelperBody = (args: unknown[], options: Handlebars.HelperOptions) => string;

export const HELPER_BODIES: Record<string, HelperBody> = {
  upper: ([value]) => toText(value).toUpperCase(),
  lower: ([value]) => toText(value).toLowerCase(),
  truncate: ([text, length, suffix]) => truncate(text, length, suffix),
  default: ([value, fallback]) => (toText(value).trim() === '' ? toText(fallback) : toText(value)),
  date: ([value, format], options) => formatDate(value, format, options),
  firstName: ([name]) => firstName(name),
};
