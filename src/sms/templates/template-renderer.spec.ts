import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SegmentedMessage } from 'sms-segments-calculator';
import { defaultTemplate } from './default-templates';
import {
  TEMPLATE_HELPERS,
  TEMPLATE_KEYS,
  TemplateRenderer,
  TemplateSyntaxError,
  TemplateVariables,
} from './template-renderer';

const TEMPLATES_DIR = join(__dirname, '..', '..', '..', 'templates', 'sms');

describe('TemplateRenderer', () => {
  let sut: TemplateRenderer;
  let example: TemplateVariables;

  beforeEach(() => {
    sut = new TemplateRenderer();
    example = sut.exampleVariables();
  });

  describe('default templates', () => {
    const expected: Record<(typeof TEMPLATE_KEYS)[number], string> = {
      initial_problem:
        'Hi Sam, Acme IT opened request #1042. Reply with details or photos. Track it: https://help.example.com/t/1042',
      ticket_update:
        'Acme IT #1042: The new part arrived. We will install it tomorrow at 10 AM.\nReply to this text to respond.',
      after_hours:
        'Thanks for texting Acme IT. We are closed right now and will reply after we open Monday at 8:00 AM. ' +
        'Your message is saved on request #1042.',
    };

    it.each(TEMPLATE_KEYS)('%s renders the example variables', (key) => {
      expect(sut.render(defaultTemplate(key), example)).toBe(expected[key]);
    });

    it.each(TEMPLATE_KEYS)('%s is valid, GSM-7 only, and at most 2 segments with the examples', (key) => {
      const source = defaultTemplate(key);
      expect(sut.validate(source)).toEqual([]);
      expect(new SegmentedMessage(source).encodingName).toBe('GSM-7');
      const sms = new SegmentedMessage(sut.render(source, example));
      expect(sms.encodingName).toBe('GSM-7');
      expect(sms.segmentsCount).toBeLessThanOrEqual(2);
    });

    it.each(TEMPLATE_KEYS)('%s renders without a ticket at all, leaving no placeholders behind', (key) => {
      const text = sut.render(defaultTemplate(key), {});
      expect(text).not.toMatch(/undefined|null|\{\{|\}\}|object/);
    });

    it('greets "there" when the customer name is unknown, and drops empty optional parts', () => {
      const text = sut.render(defaultTemplate('initial_problem'), { ...example, customer: undefined, portalUrl: '' });
      expect(text).toBe('Hi there, Acme IT opened request #1042. Reply with details or photos.');
      expect(sut.render(defaultTemplate('after_hours'), { account: { name: 'Acme IT' } })).toBe(
        'Thanks for texting Acme IT. We are closed right now.',
      );
    });

    it('reads templates/sms/<key>.hbs once and serves the same text afterwards', () => {
      for (const key of TEMPLATE_KEYS) {
        expect(defaultTemplate(key)).toBe(readFileSync(join(TEMPLATES_DIR, `${key}.hbs`), 'utf8'));
        expect(defaultTemplate(key)).toBe(defaultTemplate(key));
      }
    });

    it('refuses keys that are not templates, so a key can never name another file', () => {
      expect(() => defaultTemplate('../../package' as never)).toThrow('No default SMS template');
    });
  });

  describe('rendering', () => {
    it('does not HTML-escape: SMS is plain text', () => {
      const variables = { ...example, message: `<b>&"'` };
      expect(sut.render('{{message}}', variables)).toBe(`<b>&"'`);
      expect(sut.render('{{{message}}}', variables)).toBe(`<b>&"'`);
    });

    it('renders missing values as nothing, also through helpers', () => {
      expect(sut.render('A{{ticket.subject}}B{{customer.name}}C{{businessHours.nextOpening}}D', {})).toBe('ABCD');
      expect(
        sut.render(
          '[{{upper ticket.subject}}|{{lower account.name}}|{{truncate ticket.problem 5}}|{{date businessHours.nextOpening}}|{{firstName customer.name}}]',
          {},
        ),
      ).toBe('[||||]');
      expect(sut.render('{{#if technician.name}}x{{else}}nobody{{/if}}', { ...example, technician: undefined })).toBe(
        'nobody',
      );
    });

    it('trims trailing whitespace and newlines only', () => {
      expect(sut.render('  Hi {{customer.firstName}} \n\n', example)).toBe('  Hi Sam');
    });

    it('takes the first name from the full name when none is given', () => {
      const variables = {
        customer: { name: 'Mary Ann Smith' },
        technician: { name: ' Jordan Lee' },
      } as TemplateVariables;
      expect(sut.render('{{customer.firstName}}/{{technician.firstName}}', variables)).toBe('Mary/Jordan');
    });

    it('only exposes the variables of the table, whatever else the caller passes in', () => {
      const ticket = { ...example.ticket, secret: 'hunter2', toJSON: () => 'leak' };
      const variables = { ...example, ticket, internalNote: 'do not send' } as TemplateVariables;
      expect(sut.render('{{ticket.secret}}{{internalNote}}{{ticket.toJSON}}', variables)).toBe('');
      expect(sut.render('{{#each ticket}}{{@key}} {{/each}}', variables)).toBe('number subject problem status');
    });

    it('supports #with, #each, block params and ../ inside blocks', () => {
      expect(sut.render('{{#with ticket}}#{{number}} {{status}}{{/with}}', example)).toBe('#1042 In progress');
      expect(sut.render('{{#with customer as |c|}}{{c.name}} {{../account.name}}{{/with}}', example)).toBe(
        'Sam Rivera Acme IT',
      );
      expect(sut.render('{{#each customer}}{{@index}}:{{this}} {{/each}}', example)).toBe('0:Sam Rivera 1:Sam');
    });
  });

  describe('helpers', () => {
    it('upper and lower', () => {
      expect(sut.render('{{upper account.name}} {{lower ticket.status}}', example)).toBe('ACME IT in progress');
    });

    it('truncate cuts to at most n characters and adds "…" only when it cut', () => {
      const render = (problem: string, n: number | string, suffix = '') =>
        sut.render(`{{truncate ticket.problem ${n}${suffix}}}`, {
          ticket: { number: 1, subject: '', status: '', problem },
        });
      expect(render('Short text', 10)).toBe('Short text');
      expect(render('Short text', 9)).toBe('Short…');
      expect(render('abcdefghijklmnopqrstuvwxyz', 10)).toBe('abcdefghi…');
      expect(render('Printer jams since this morning', 20)).toBe('Printer jams since…');
      expect(render('Printer jams since this morning', 20, ' "..."')).toBe('Printer jams...');
      expect(Array.from(render('😀😀😀😀😀', 3))).toEqual(['😀', '😀', '…']);
      expect(render('unchanged', '"many"')).toBe('unchanged');
      expect(render('unchanged', 0)).toBe('unchanged');
    });

    it('default uses the fallback for missing or blank values only', () => {
      expect(sut.render('{{default customer.firstName "there"}}', {})).toBe('there');
      expect(sut.render('{{default customer.firstName "there"}}', { customer: { name: 'X', firstName: '  ' } })).toBe(
        'there',
      );
      expect(sut.render('{{default customer.firstName "there"}}', example)).toBe('Sam');
      const ticket = { number: 0, subject: '', problem: '', status: '' };
      expect(sut.render('{{default ticket.number "?"}}', { ticket })).toBe('0');
    });

    it('date formats ISO dates with Luxon tokens in the variable timezone', () => {
      const at = (nextOpening: string, timezone?: string, format = '"ccc d LLL, HH:mm"') =>
        sut.render(`{{date businessHours.nextOpening ${format}}}`, { businessHours: { nextOpening }, timezone });
      expect(at('2026-01-19T13:00:00Z', 'America/New_York')).toBe('Mon 19 Jan, 08:00');
      expect(at('2026-01-19T13:00:00Z', 'Europe/London')).toBe('Mon 19 Jan, 13:00');
      expect(at('2026-01-19T08:00', 'America/New_York')).toBe('Mon 19 Jan, 08:00');
      expect(at('2026-01-19T13:00:00Z')).toBe('Mon 19 Jan, 13:00');
      expect(at('2026-01-19T13:00:00Z', 'Not/AZone')).toBe('Mon 19 Jan, 13:00');
      expect(at('2026-01-19T13:00:00Z', 'America/New_York', '')).toBe('Jan 19, 8:00 AM');
      expect(at('Monday at 8 AM', 'America/New_York')).toBe('Monday at 8 AM');
      // A Date passed by a caller despite the string type arrives as ISO text.
      const businessHours = { nextOpening: new Date('2026-01-19T13:00:00Z') as unknown as string };
      expect(
        sut.render('{{date businessHours.nextOpening "HH:mm"}} {{businessHours.nextOpening}}', {
          businessHours,
          timezone: 'America/New_York',
        }),
      ).toBe('08:00 2026-01-19T13:00:00.000Z');
    });

    it('firstName takes the first word of a name', () => {
      expect(sut.render('{{firstName customer.name}}', example)).toBe('Sam');
      expect(sut.render('{{firstName customer.name}}', { customer: { name: '  Ana   María ', firstName: '' } })).toBe(
        'Ana',
      );
    });

    it('every documented usage is itself a valid template', () => {
      expect(TEMPLATE_HELPERS.map((h) => h.name).sort()).toEqual(
        ['date', 'default', 'each', 'firstName', 'if', 'lower', 'truncate', 'unless', 'upper', 'with'].sort(),
      );
      for (const helper of TEMPLATE_HELPERS) {
        expect(helper.description).not.toBe('');
        expect({ usage: helper.usage, problems: sut.validate(helper.usage) }).toEqual({
          usage: helper.usage,
          problems: [],
        });
        expect(typeof sut.render(helper.usage, example)).toBe('string');
      }
    });
  });

  describe('cache', () => {
    it('keeps at most maxCachedTemplates compiled templates', () => {
      const small = new TemplateRenderer({ maxCachedTemplates: 3 });
      for (let i = 0; i < 10; i++) small.render(`#${i} {{ticket.number}}`, example);
      expect(small.cachedTemplateCount).toBe(3);
    });

    it('bounds the default cache at 500', () => {
      for (let i = 0; i < 520; i++) sut.render(`${i}`, example);
      expect(sut.cachedTemplateCount).toBe(500);
    });

    it('evicts the least recently used template', () => {
      const small = new TemplateRenderer({ maxCachedTemplates: 2 });
      small.render('a', example);
      small.render('b', example);
      small.render('a', example);
      small.render('c', example);
      expect(small.cachedTemplateCount).toBe(2);
      // 'a' was used after 'b', so 'b' went; all still render correctly either way.
      expect([small.render('a', example), small.render('b', example), small.render('c', example)]).toEqual([
        'a',
        'b',
        'c',
      ]);
    });

    it('does not cache templates that fail', () => {
      expect(() => sut.render('{{#if x}}', example)).toThrow(TemplateSyntaxError);
      expect(sut.cachedTemplateCount).toBe(0);
    });
  });
});
