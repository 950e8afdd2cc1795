import fc from 'fast-check';
import {
  MAX_BLOCK_RUNS,
  MAX_RENDERED_CHARACTERS,
  TemplateBudgetError,
  TemplateRenderer,
  TemplateSyntaxError,
  TemplateVariables,
} from './template-renderer';

describe('TemplateRenderer budgets and safety', () => {
  let sut: TemplateRenderer;
  let example: TemplateVariables;

  beforeEach(() => {
    sut = new TemplateRenderer();
    example = sut.exampleVariables();
  });

  describe('budgets', () => {
    const nested = (levels: number, body: string): string =>
      '{{#each @root}}'.repeat(levels) + body + '{{/each}}'.repeat(levels);

    it('refuses nested {{#each @root}} that multiplies the text, naming the block and the limit', () => {
      const runaway = nested(5, '{{@key}}');

      expect(sut.validate(runaway)).toEqual([
        {
          message: `The template writes more than ${MAX_RENDERED_CHARACTERS} characters (an SMS takes at most 1600)`,
          line: 1,
          column: 61,
        },
      ]);
      expect(() => sut.render(runaway, example)).toThrow(TemplateBudgetError);
    });

    it('refuses blocks repeated too often even when they write nothing', () => {
      const silent = nested(5, '');

      expect(sut.validate(silent)).toEqual([
        {
          message: `The template repeats its blocks and helpers more than ${MAX_BLOCK_RUNS} times`,
          line: 1,
          column: 61,
        },
      ]);
    });

    it('stops a text longer than the budget at render, while validation leaves plain long text to the length check', () => {
      const long = 'x'.repeat(MAX_RENDERED_CHARACTERS + 1);

      expect(sut.validate(long)).toEqual([]);
      expect(() => sut.render(long, example)).toThrow(
        `The template writes more than ${MAX_RENDERED_CHARACTERS} characters`,
      );
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

  describe('properties', () => {
    const pieces = fc.constantFrom(
      '{{',
      '}}',
      '{{{',
      '}}}',
      '{{#',
      '{{/',
      '{{^',
      '{{>',
      '{{!',
      '{{!--',
      '--}}',
      '{{else}}',
      '{{~',
      '~}}',
      '{{*',
      '{{{{',
      '}}}}',
      '{{&',
      'if ',
      'each ',
      'with ',
      'unless ',
      'upper ',
      'truncate ',
      'date ',
      'default ',
      'firstName ',
      'lookup ',
      'log ',
      'inline ',
      'ticket',
      '.number',
      '.problem',
      'customer',
      'this',
      '../',
      '@index',
      '@root.',
      '@key',
      '(',
      ')',
      '"',
      "'",
      '=',
      ' as |x|',
      'x.',
      'x',
      ' ',
      '\n',
      '\\',
      '[',
      ']',
      '60',
      '0',
      'constructor',
      '__proto__',
      'prototype',
      'toString',
      '.',
      '/',
      'includeZero=true',
      'helperMissing',
      'blockHelperMissing',
      'function',
      'null',
      'undefined',
      'true',
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
