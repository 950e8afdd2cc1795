import fc from 'fast-check';
import { TemplateRenderer, TemplateSyntaxError, TemplateVariables } from './template-renderer';

/**
 * Fuzzes templates an admin could save: any template renders to text or fails with a TemplateSyntaxError (a 422 at
 * the API), and none reaches a prototype. Canary members are planted on the prototypes a template could climb to;
 * if the renderer ever resolved an inherited member, the canary would show in the output.
 */

const CANARY = 'CANARY-7f3a';
const PROTOTYPES: ReadonlyArray<[string, object]> = [
  ['Object', Object.prototype],
  ['Function', Function.prototype],
  ['String', String.prototype],
  ['Number', Number.prototype],
  ['Array', Array.prototype],
];
const MEMBERS = ['canary', 'canaryMethod'];

function plantCanaries(): () => void {
  for (const [name, proto] of PROTOTYPES) {
    // Non-enumerable like real prototype members (enumerable ones would also break Handlebars' own loops).
    Object.defineProperty(proto, 'canary', { value: `${CANARY}-${name}`, configurable: true, writable: true });
    Object.defineProperty(proto, 'canaryMethod', {
      value: () => `${CANARY}-${name}-call`,
      configurable: true,
      writable: true,
    });
  }
  return () => {
    for (const [, proto] of PROTOTYPES) for (const member of MEMBERS) delete (proto as Record<string, unknown>)[member];
  };
}

const ownNames = () => PROTOTYPES.map(([, proto]) => Object.getOwnPropertyNames(proto).sort().join(','));

const pieces = fc.constantFrom(
  '{{',
  '}}',
  '{{{',
  '}}}',
  '{{#',
  '{{/',
  '{{^',
  '{{else}}',
  '{{~',
  '~}}',
  '{{&',
  '(',
  ')',
  ' ',
  '.',
  '/',
  '../',
  '@root.',
  '@key',
  '@index',
  'this',
  'ticket',
  'ticket.subject',
  'ticket.number',
  'customer',
  'customer.name',
  'portalUrl',
  'message',
  'businessHours',
  'with ',
  'each ',
  'if ',
  'unless ',
  'upper ',
  'lower ',
  'default ',
  'truncate ',
  'firstName ',
  'date ',
  'lookup ',
  ' as |x|',
  'x',
  'x.',
  'constructor',
  '__proto__',
  'prototype',
  '__defineGetter__',
  '__lookupGetter__',
  'valueOf',
  'toString',
  'hasOwnProperty',
  'call',
  'apply',
  'bind',
  'name',
  'length',
  'canary',
  'canaryMethod',
  '[constructor]',
  '[__proto__]',
  '"constructor"',
  "'canary'",
  '=',
  'includeZero=true',
  '3',
  '"x"',
);

/** Templates shaped like real ones: a mustache or block around a (possibly hostile) path. */
const hostilePath = fc
  .array(
    fc.constantFrom(
      'this',
      'ticket',
      'subject',
      'number',
      'customer',
      'constructor',
      '__proto__',
      'prototype',
      'canary',
      'canaryMethod',
      'name',
      'length',
      'call',
      '@root',
      '..',
    ),
    {
      minLength: 1,
      maxLength: 5,
    },
  )
  .map((parts) =>
    parts
      .join('.')
      .replace(/\.\.\./g, '../')
      .replace(/^\.\./, '../'),
  );
const shaped = fc.oneof(
  hostilePath.map((p) => `{{${p}}}`),
  hostilePath.map((p) => `{{{${p}}}}`),
  fc
    .tuple(fc.constantFrom('with', 'each', 'if', 'unless'), hostilePath, hostilePath)
    .map(([block, a, b]) => `{{#${block} ${a}}}[{{${b}}}|{{@key}}]{{/${block}}}`),
  fc
    .tuple(fc.constantFrom('upper', 'lower', 'firstName', 'default'), hostilePath)
    .map(([helper, p]) => `{{${helper} ${p}}}`),
  hostilePath.map((p) => `{{#each ${p} as |v k|}}{{k}}={{v}};{{/each}}`),
);

const sources = fc.oneof(
  { weight: 3, arbitrary: shaped },
  { weight: 3, arbitrary: fc.string({ unit: pieces, maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
);

/** Values people type into tickets, hostile ones included: printed as they are, never evaluated. */
const userText = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    '{{constructor}}',
    '{{#each this}}{{@key}}{{/each}}',
    '<script>alert(1)</script>',
    '&amp; "quotes" \'apos\'',
    '__proto__',
    `${'{'.repeat(3)}x}}}`,
  ),
);

describe('TemplateRenderer, fuzzed', () => {
  let sut: TemplateRenderer;
  let removeCanaries: () => void;
  let silence: jest.SpyInstance;

  beforeAll(() => {
    removeCanaries = plantCanaries();
    // Handlebars logs each prototype access it refuses; those refusals are what this spec wants.
    silence = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });

  afterAll(() => {
    removeCanaries();
    silence.mockRestore();
  });

  beforeEach(() => {
    sut = new TemplateRenderer();
  });

  it('any template renders text with no prototype member in it, or throws TemplateSyntaxError (4,000 cases)', () => {
    const example = sut.exampleVariables();
    const before = ownNames();
    fc.assert(
      fc.property(sources, (source) => {
        let output: string;
        try {
          output = sut.render(source, example);
        } catch (error) {
          expect(error).toBeInstanceOf(TemplateSyntaxError);
          return;
        }
        expect(output).not.toContain(CANARY);
        expect(output).not.toContain('[native code]');
        expect(output).not.toMatch(/\[object \w+\]/);
        // A constructor's name is what reaching one would print.
        for (const [name] of PROTOTYPES) if (!source.includes(name)) expect(output).not.toContain(`function ${name}`);
      }),
      { numRuns: 4000 },
    );
    // Nothing was written onto a prototype either.
    expect(ownNames()).toEqual(before);
  });

  it('validate never throws, and a template it accepts renders without error or prototype member (2,000 cases)', () => {
    const example = sut.exampleVariables();
    fc.assert(
      fc.property(sources, (source) => {
        const problems = sut.validate(source);
        if (problems.length > 0) return;

        // What an admin could save must never fail when a text is sent.
        const output = sut.render(source, example);

        expect(output).not.toContain(CANARY);
        expect(output).not.toContain('[native code]');
      }),
      { numRuns: 2000 },
    );
  });

  it('prints what people typed exactly as typed: never escaped, never evaluated (1,000 cases)', () => {
    fc.assert(
      fc.property(userText, userText, (subject, name) => {
        const variables: TemplateVariables = {
          ...sut.exampleVariables(),
          ticket: { number: 7, subject, problem: 'p', status: 'New' },
          customer: { name, firstName: name },
        };

        const output = sut.render('[{{ticket.subject}}|{{customer.name}}]', variables);

        expect(output).toBe(`[${subject}|${name}]`.trimEnd());
      }),
      { numRuns: 1000 },
    );
  });
});
