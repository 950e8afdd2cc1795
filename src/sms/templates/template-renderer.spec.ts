import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { SegmentedMessage } from 'sms-segments-calculator';
import {
  MAX_BLOCK_RUNS,
  MAX_RENDERED_CHARACTERS,
  MAX_TEMPLATE_LENGTH,
  TEMPLATE_HELPERS,
  TEMPLATE_KEYS,
  TEMPLATE_VARIABLES,
  TemplateBudgetError,
  TemplateRenderer,
  TemplateSyntaxError,
  TemplateVariables,
} from './template-renderer';
import { defaultTemplate } from './default-templates';

const TEMPLATES_DIR = join(__dirname, '..', '..', '..', 'templates', 'sms');

function syntaxErrorOf(run: () => unknown): TemplateSyntaxError {
  try {
    run();
  } catch (error) {
    if (error instanceof TemplateSyntaxError) return error;
    throw error;
  }
  throw new Error('expected a TemplateSyntaxError');
}

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
      ticket_update: 'Acme IT #1042: The new part arrived. We will install it tomorrow at 10 AM.\nReply to this text to respond.',
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
        sut.render('[{{upper ticket.subject}}|{{lower account.name}}|{{truncate ticket.problem 5}}|{{date businessHours.nextOpening}}|{{firstName customer.name}}]', {}),
      ).toBe('[||||]');
      expect(sut.render('{{#if technician.name}}x{{else}}nobody{{/if}}', { ...example, technician: undefined })).toBe('nobody');
    });

    it('trims trailing whitespace and newlines only', () => {
      expect(sut.render('  Hi {{customer.firstName}} \n\n', example)).toBe('  Hi Sam');
    });

    it('takes the first name from the full name when none is given', () => {
      const variables = { customer: { name: 'Mary Ann Smith' }, technician: { name: ' Jordan Lee' } } as TemplateVariables;
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
      expect(sut.render('{{#with customer as |c|}}{{c.name}} {{../account.name}}{{/with}}', example)).toBe('Sam Rivera Acme IT');
      expect(sut.render('{{#each customer}}{{@index}}:{{this}} {{/each}}', example)).toBe('0:Sam Rivera 1:Sam');
    });
  });

  describe('helpers', () => {
    it('upper and lower', () => {
      expect(sut.render('{{upper account.name}} {{lower ticket.status}}', example)).toBe('ACME IT in progress');
    });

    it('truncate cuts to at most n characters and adds "…" only when it cut', () => {
      const render = (problem: string, n: number | string, suffix = '') =>
        sut.render(`{{truncate ticket.problem ${n}${suffix}}}`, { ticket: { number: 1, subject: '', status: '', problem } });
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
      expect(sut.render('{{default customer.firstName "there"}}', { customer: { name: 'X', firstName: '  ' } })).toBe('there');
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
      expect(sut.render('{{date businessHours.nextOpening "HH:mm"}} {{businessHours.nextOpening}}', { businessHours, timezone: 'America/New_York' })).toBe(
        '08:00 2026-01-19T13:00:00.000Z',
      );
    });

    it('firstName takes the first word of a name', () => {
      expect(sut.render('{{firstName customer.name}}', example)).toBe('Sam');
      expect(sut.render('{{firstName customer.name}}', { customer: { name: '  Ana   María ', firstName: '' } })).toBe('Ana');
    });

    it('every documented usage is itself a valid template', () => {
      expect(TEMPLATE_HELPERS.map((h) => h.name).sort()).toEqual(
        ['date', 'default', 'each', 'firstName', 'if', 'lower', 'truncate', 'unless', 'upper', 'with'].sort(),
      );
      for (const helper of TEMPLATE_HELPERS) {
        expect(helper.description).not.toBe('');
        expect({ usage: helper.usage, problems: sut.validate(helper.usage) }).toEqual({ usage: helper.usage, problems: [] });
        expect(typeof sut.render(helper.usage, example)).toBe('string');
      }
    });
  });

  describe('syntax errors', () => {
    it('reports an unclosed block at the tag that opens it', () => {
      const source = 'Hello\n{{#if ticket.number}}x';
      expect(sut.validate(source)).toEqual([{ message: 'Missing {{/if}} to close this block', line: 2, column: 1 }]);
      const error = syntaxErrorOf(() => sut.render(source, example));
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe('TemplateSyntaxError');
      expect([error.line, error.column]).toEqual([2, 1]);
    });

    it('reports the innermost unclosed block when blocks nest', () => {
      expect(sut.validate('{{#if ticket.number}}\n  {{#with customer}}\n    {{name}}\n{{/if}}')).toEqual([
        { message: '{{/if}} does not close {{#with}}', line: 2, column: 3 },
      ]);
      expect(sut.validate('{{#if ticket.number}}\n  a {{#each ticket}}{{this}}')).toEqual([
        { message: 'Missing {{/each}} to close this block', line: 2, column: 5 },
      ]);
    });

    it('reports a half-closed tag at the stray brace', () => {
      const source = 'Line 1\nHi {{ticket.number}';
      expect(sut.validate(source)).toEqual([{ message: 'Unexpected "}"; expected "}}"', line: 2, column: 19 }]);
      const error = syntaxErrorOf(() => sut.render(source, example));
      expect([error.message, error.line, error.column]).toEqual(['Unexpected "}"; expected "}}"', 2, 19]);
    });

    it('reports a tag that is never closed at its "{{", and a missing ")" where the tag ends', () => {
      expect(sut.validate('hello\nworld {{ticket.number')).toEqual([{ message: 'Missing "}}" to close this tag', line: 2, column: 7 }]);
      expect(sut.validate('x\n{{{message')).toEqual([{ message: 'Missing "}}}" to close this tag', line: 2, column: 1 }]);
      expect(sut.validate('{{upper (lower x}}')).toEqual([{ message: 'Unexpected "}}"; expected ")"', line: 1, column: 17 }]);
    });

    it.each([
      ['a\r\nb {{}}', 2, 5],
      ['{{!-- note --}}\n   {{#each}}{{else}}{{else}}{{/each}}', 2, 21],
      ['x\n{{!-- never closed', 2, 1],
      ['{{foo}}\n\n  }} {{', 3, 6],
      ['😀 {{ticket.number}', 1, 19],
    ])('locates the error in %j at line %i, column %i', (source, line, column) => {
      const [problem, ...rest] = sut.validate(source);
      expect(rest).toEqual([]);
      expect({ line: problem.line, column: problem.column }).toEqual({ line, column });
    });

    it('refuses templates over MAX_TEMPLATE_LENGTH, at the first character past the limit', () => {
      const source = `${'x'.repeat(MAX_TEMPLATE_LENGTH - 2)}\n{{ticket.number}}`;
      expect(sut.validate(source)).toEqual([{ message: `Template is longer than ${MAX_TEMPLATE_LENGTH} characters`, line: 2, column: 2 }]);
      expect(() => sut.render(source, example)).toThrow(TemplateSyntaxError);
      expect(sut.validate('x'.repeat(MAX_TEMPLATE_LENGTH))).toEqual([]);
    });

    it('turns nesting deep enough to overflow the stack into a template error', () => {
      const depth = Math.floor((MAX_TEMPLATE_LENGTH - 10) / 4);
      const source = `{{a ${'(a '.repeat(depth)}${')'.repeat(depth)}}}`;
      expect(sut.validate(source)).toEqual([{ message: 'Template is nested too deeply', line: 1, column: 1 }]);
      expect(() => sut.render(source, example)).toThrow('Template is nested too deeply');
    });

    it('rejects partials and decorators', () => {
      expect(sut.validate('Hi\n{{> signature}}').map((p) => [p.line, p.column, p.message])).toEqual([
        [2, 1, 'Partials ({{> ...}}) are not supported in SMS templates'],
      ]);
      expect(sut.validate('{{#*inline "x"}}y{{/inline}}')[0].message).toMatch(/Decorators/);
      expect(() => sut.render('{{> signature}}', example)).toThrow(TemplateSyntaxError);
    });
  });

  describe('validation', () => {
    it('accepts every variable of the table, and the examples match the variables', () => {
      for (const { path, description, example: value } of TEMPLATE_VARIABLES) {
        expect(description).not.toBe('');
        expect(sut.validate(`{{${path}}}`)).toEqual([]);
        expect(sut.render(`{{${path}}}`, example)).toBe(String(value));
      }
      expect(typeof example.ticket?.number).toBe('number');
    });

    it('reports an unknown variable where it is', () => {
      expect(sut.validate('Hi\n  {{ticket.secret}}')).toEqual([{ message: 'Unknown variable "ticket.secret"', line: 2, column: 5 }]);
    });

    it('checks variables in helper arguments, sub-expressions, hash values and blocks', () => {
      const source = [
        '{{upper ticket.nope}}',
        '{{default (lower customer.nope) "x"}}',
        '{{#if account.nope includeZero=ticket.nope2}}{{/if}}',
        '{{#with customer}}{{nope}}{{/with}}',
        '{{#with ticket as |t|}}{{t.nope}}{{/with}}',
      ].join('\n');
      expect(sut.validate(source).map((p) => `${p.line}:${p.column} ${p.message}`)).toEqual([
        '1:9 Unknown variable "ticket.nope"',
        '2:18 Unknown variable "customer.nope"',
        '3:7 Unknown variable "account.nope"',
        '3:32 Unknown variable "ticket.nope2"',
        '4:21 Unknown variable "nope"',
        '5:26 Unknown variable "t.nope"',
      ]);
      // Unknown variables never stop rendering: they are empty.
      expect(sut.render(`${source}\nend`, example)).toBe('\nx\n\n\n\nend');
    });

    it('resolves paths relative to #with, block params, ../ and @root', () => {
      const valid = [
        '{{#with ticket}}{{number}} {{../portalUrl}} {{@root.account.name}}{{/with}}',
        '{{#with customer as |c|}}{{c.firstName}}{{else}}{{portalUrl}}{{/with}}',
        '{{#each ticket}}{{@index}} {{@key}} {{@first}} {{@last}} {{this}}{{/each}}',
        '{{#if ticket}}{{ticket.number}}{{/if}}',
        '{{#with customer}}{{this.firstName}}{{/with}}',
        '{{this}} {{.}}',
      ];
      for (const source of valid) expect({ source, problems: sut.validate(source) }).toEqual({ source, problems: [] });
      expect(sut.validate('{{#if ticket}}{{../portalUrl}}{{/if}}')[0].message).toBe('Unknown variable "../portalUrl"');
      expect(sut.validate('{{@foo}}')[0].message).toMatch(/^Unknown data variable "@foo"/);
    });

    it('refuses printing a whole group of variables', () => {
      expect(sut.validate('{{customer}}')).toEqual([
        { message: '"customer" is a group of variables; use one of customer.name, customer.firstName', line: 1, column: 3 },
      ]);
    });

    it('reports unknown helpers with their location, and render refuses them', () => {
      expect(sut.validate('Hi\n{{shout ticket.subject}} {{default (yell x) "y"}}')).toEqual([
        { message: 'Unknown helper "shout"', line: 2, column: 3 },
        { message: 'Unknown helper "yell"', line: 2, column: 37 },
        { message: 'Unknown variable "x"', line: 2, column: 42 },
      ]);
      for (const source of ['{{shout ticket.subject}}', '{{lookup this "constructor"}}', '{{log "x"}}', '{{ticket.number 1}}']) {
        expect(() => sut.render(source, example)).toThrow(TemplateSyntaxError);
      }
    });

    it('reports helpers used the wrong way', () => {
      const messages = (source: string) => sut.validate(source).map((p) => p.message);
      expect(messages('{{if ticket.number}}')).toEqual(['"if" only works as a block: {{#if ...}}...{{/if}}']);
      expect(messages('{{#each}}x{{/each}}')[0]).toMatch(/^"each" takes 1 argument, got 0/);
      expect(messages('{{#upper ticket.subject}}x{{/upper}}')[0]).toMatch(/^"upper" cannot be used as a block/);
      expect(messages('{{truncate ticket.problem}}')[0]).toMatch(/^"truncate" takes 2 to 3 arguments, got 1/);
      expect(messages('{{upper ticket.subject loud=true}}')).toEqual(['"upper" has no option "loud"']);
      expect(messages('{{#with customer}}{{firstName}}{{/with}}')).toEqual(['"firstName" is a helper; write {{this.firstName}} for the variable']);
      for (const source of ['{{if ticket.number}}', '{{#each}}x{{/each}}', '{{#with}}{{/with}}', '{{#upper x}}{{/upper}}']) {
        expect(() => sut.render(source, example)).toThrow(TemplateSyntaxError);
      }
    });
  });

  describe('budgets', () => {
    const nested = (levels: number, body: string): string => '{{#each @root}}'.repeat(levels) + body + '{{/each}}'.repeat(levels);

    it('refuses nested {{#each @root}} that multiplies the text, naming the block and the limit', () => {
      const runaway = nested(5, '{{@key}}');

      expect(sut.validate(runaway)).toEqual([
        { message: `The template writes more than ${MAX_RENDERED_CHARACTERS} characters (an SMS takes at most 1600)`, line: 1, column: 61 },
      ]);
      expect(() => sut.render(runaway, example)).toThrow(TemplateBudgetError);
    });

    it('refuses blocks repeated too often even when they write nothing', () => {
      const silent = nested(5, '');

      expect(sut.validate(silent)).toEqual([{ message: `The template repeats its blocks and helpers more than ${MAX_BLOCK_RUNS} times`, line: 1, column: 61 }]);
    });

    it('stops a text longer than the budget at render, while validation leaves plain long text to the length check', () => {
      const long = 'x'.repeat(MAX_RENDERED_CHARACTERS + 1);

      expect(sut.validate(long)).toEqual([]);
      expect(() => sut.render(long, example)).toThrow(`The template writes more than ${MAX_RENDERED_CHARACTERS} characters`);
      expect(sut.render('x'.repeat(MAX_RENDERED_CHARACTERS), example)).toHaveLength(MAX_RENDERED_CHARACTERS);
    });

    it('counts what helpers write too: a long problem repeated through truncate stops at the budget, not after it', () => {
      const repeated = '{{truncate ticket.problem 20000}}'.repeat(300);
      const longProblem = { ...example, ticket: { ...example.ticket!, problem: 'word '.repeat(2_000) } };

      expect(sut.validate(repeated)).toEqual([]); // the examples are short
      const stopped = (() => {
        try {
          sut.render(repeated, longProblem);
        } catch (error) {
          return error;
        }
        return undefined;
      })();
      expect(stopped).toBeInstanceOf(TemplateBudgetError);
      // Stopped at the third call (3 × 9,999 characters is past 4 × 6,400), which starts at column 67.
      expect(stopped).toMatchObject({ line: 1, column: 67 });
    });

    it('counts per render: the same template renders again after another one was stopped', () => {
      const fine = '{{#each ticket}}{{@key}} {{/each}}';
      expect(() => sut.render(nested(5, ''), example)).toThrow(TemplateBudgetError);

      expect(sut.render(fine, example)).toBe('number subject problem status');
      expect(sut.validate(fine)).toEqual([]);
    });
  });

  describe('prototype access', () => {
    const attempts = [
      '{{constructor}}',
      '{{__proto__}}',
      '{{#with this}}{{__proto__}}{{/with}}',
      '{{this.constructor}}',
      '{{[constructor]}}',
      '{{"constructor"}}',
      '{{ticket.constructor}}',
      '{{ticket.number.constructor}}',
      '{{portalUrl.constructor.name}}',
      '{{@root.constructor}}',
      '{{#with ticket.constructor}}{{name}}{{/with}}',
      '{{#each this}}{{this.constructor}}{{/each}}',
      '{{#each ticket as |v|}}{{v.__proto__}}{{/each}}',
      '{{ticket.hasOwnProperty}}',
      '{{#with __proto__}}{{constructor}}{{/with}}',
    ];

    it.each(attempts)('%s is rejected by validation and renders empty', (source) => {
      expect(sut.validate(source).length).toBeGreaterThan(0);
      expect(sut.render(source, example)).toBe('');
    });

    it('methods of string values are refused too', () => {
      // Handlebars logs a warning when it refuses a prototype method; keep it out of the test output.
      const log = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      try {
        expect(sut.render('{{ticket.subject.toString}}{{ticket.subject.trim}}', example)).toBe('');
      } finally {
        log.mockRestore();
      }
    });

    it('lookup, which reads properties by computed name, is not available', () => {
      expect(() => sut.render('{{lookup this "constructor"}}', example)).toThrow(TemplateSyntaxError);
    });

    it('{{this}} and whole groups print nothing rather than "[object Object]"', () => {
      expect(sut.render('[{{this}}|{{ticket}}|{{@root}}]', example)).toBe('[||]');
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
      expect([small.render('a', example), small.render('b', example), small.render('c', example)]).toEqual(['a', 'b', 'c']);
    });

    it('does not cache templates that fail', () => {
      expect(() => sut.render('{{#if x}}', example)).toThrow(TemplateSyntaxError);
      expect(sut.cachedTemplateCount).toBe(0);
    });
  });

  describe('properties', () => {
    const pieces = fc.constantFrom(
      '{{', '}}', '{{{', '}}}', '{{#', '{{/', '{{^', '{{>', '{{!', '{{!--', '--}}', '{{else}}', '{{~', '~}}', '{{*', '{{{{', '}}}}', '{{&',
      'if ', 'each ', 'with ', 'unless ', 'upper ', 'truncate ', 'date ', 'default ', 'firstName ', 'lookup ', 'log ', 'inline ',
      'ticket', '.number', '.problem', 'customer', 'this', '../', '@index', '@root.', '@key', '(', ')', '"', "'", '=', ' as |x|', 'x.',
      'x', ' ', '\n', '\\', '[', ']', '60', '0', 'constructor', '__proto__', 'prototype', 'toString', '.', '/', 'includeZero=true',
      'helperMissing', 'blockHelperMissing', 'function', 'null', 'undefined', 'true',
    );
    const sources = fc.oneof(
      fc.string({ unit: pieces, maxLength: 25 }),
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
    );

    it('validate never throws; render returns text or throws TemplateSyntaxError, which validate also reports', () => {
      const log = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      try {
        fc.assert(
          fc.property(sources, (source) => {
            const problems = sut.validate(source);
            for (const p of problems) {
              expect(Number.isInteger(p.line) && p.line >= 1 && Number.isInteger(p.column) && p.column >= 1).toBe(true);
            }
            let output: string;
            try {
              output = sut.render(source, example);
            } catch (error) {
              expect(error).toBeInstanceOf(TemplateSyntaxError);
              const { message, line, column } = error as TemplateSyntaxError;
              expect(problems).toContainEqual({ message, line, column });
              return;
            }
            expect(typeof output).toBe('string');
            if (!source.includes('function')) expect(output).not.toContain('function');
            expect(output).not.toContain('[native code]');
            expect(output).not.toContain('[object');
          }),
          { numRuns: 3000 },
        );
      } finally {
        log.mockRestore();
      }
    });
  });
});
