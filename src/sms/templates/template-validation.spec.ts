import {
  MAX_TEMPLATE_LENGTH,
  TEMPLATE_VARIABLES,
  TemplateRenderer,
  TemplateSyntaxError,
  TemplateVariables,
} from './template-renderer';

function syntaxErrorOf(run: () => unknown): TemplateSyntaxError {
  try {
    run();
  } catch (error) {
    if (error instanceof TemplateSyntaxError) return error;
    throw error;
  }
  throw new Error('expected a TemplateSyntaxError');
}

describe('TemplateRenderer validation', () => {
  let sut: TemplateRenderer;
  let example: TemplateVariables;

  beforeEach(() => {
    sut = new TemplateRenderer();
    example = sut.exampleVariables();
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
      expect(sut.validate('hello\nworld {{ticket.number')).toEqual([
        { message: 'Missing "}}" to close this tag', line: 2, column: 7 },
      ]);
      expect(sut.validate('x\n{{{message')).toEqual([
        { message: 'Missing "}}}" to close this tag', line: 2, column: 1 },
      ]);
      expect(sut.validate('{{upper (lower x}}')).toEqual([
        { message: 'Unexpected "}}"; expected ")"', line: 1, column: 17 },
      ]);
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
      expect(sut.validate(source)).toEqual([
        { message: `Template is longer than ${MAX_TEMPLATE_LENGTH} characters`, line: 2, column: 2 },
      ]);
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
      expect(sut.validate('Hi\n  {{ticket.secret}}')).toEqual([
        { message: 'Unknown variable "ticket.secret"', line: 2, column: 5 },
      ]);
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
        {
          message: '"customer" is a group of variables; use one of customer.name, customer.firstName',
          line: 1,
          column: 3,
        },
      ]);
    });

    it('reports unknown helpers with their location, and render refuses them', () => {
      expect(sut.validate('Hi\n{{shout ticket.subject}} {{default (yell x) "y"}}')).toEqual([
        { message: 'Unknown helper "shout"', line: 2, column: 3 },
        { message: 'Unknown helper "yell"', line: 2, column: 37 },
        { message: 'Unknown variable "x"', line: 2, column: 42 },
      ]);
      for (const source of [
        '{{shout ticket.subject}}',
        '{{lookup this "constructor"}}',
        '{{log "x"}}',
        '{{ticket.number 1}}',
      ]) {
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
      expect(messages('{{#with customer}}{{firstName}}{{/with}}')).toEqual([
        '"firstName" is a helper; write {{this.firstName}} for the variable',
      ]);
      for (const source of [
        '{{if ticket.number}}',
        '{{#each}}x{{/each}}',
        '{{#with}}{{/with}}',
        '{{#upper x}}{{/upper}}',
      ]) {
        expect(() => sut.render(source, example)).toThrow(TemplateSyntaxError);
      }
    });
  });
});
