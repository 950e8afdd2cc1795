/**
 * SMS template engine: Handlebars with our own helpers, a fixed variable table, validation with
 * line/column for the template editor, and the shipped default templates. Pure: no Nest, no DB.
 */
import Handlebars from 'handlebars';
import { DateTime, IANAZone } from 'luxon';
import { MAX_SMS_CHARACTERS } from '../segments/segments';

export interface TemplateVariables {
  ticket?: { number: number; subject: string; problem: string; status: string };
  customer?: { name: string; firstName: string };
  account?: { name: string };
  technician?: { name: string; firstName: string };
  portalUrl?: string;
  message?: string;
  businessHours?: { nextOpening?: string };
  timezone?: string;
}

/** Every variable a template may use; validation, docs and previews all read this one table. */
export const TEMPLATE_VARIABLES: ReadonlyArray<{ path: string; description: string; example: string | number }> = [
  { path: 'ticket.number', description: 'Ticket number the customer sees', example: 1042 },
  { path: 'ticket.subject', description: 'Ticket subject line', example: 'Printer keeps jamming' },
  {
    path: 'ticket.problem',
    description: 'Problem as first reported; long, so usually shortened with truncate',
    example: 'The printer on the 2nd floor jams on every print job since this morning',
  },
  { path: 'ticket.status', description: 'Current ticket status', example: 'In progress' },
  { path: 'customer.name', description: "Customer's full name", example: 'Sam Rivera' },
  { path: 'customer.firstName', description: "Customer's first name (taken from the full name when not set)", example: 'Sam' },
  { path: 'account.name', description: 'Name of your business, as customers know it', example: 'Acme IT' },
  { path: 'technician.name', description: "Assigned technician's full name (empty when nobody is assigned)", example: 'Jordan Lee' },
  { path: 'technician.firstName', description: "Assigned technician's first name", example: 'Jordan' },
  { path: 'portalUrl', description: 'Link where the customer can follow the ticket', example: 'https://help.example.com/t/1042' },
  {
    path: 'message',
    description: 'Text the technician wrote to the customer (ticket_update only)',
    example: 'The new part arrived. We will install it tomorrow at 10 AM.',
  },
  {
    path: 'businessHours.nextOpening',
    description: 'When you open next, as an ISO 8601 date-time (after_hours only); format it with the date helper',
    example: '2026-01-19T08:00:00-05:00',
  },
  { path: 'timezone', description: 'IANA time zone of the account, used by the date helper', example: 'America/New_York' },
];

interface HelperRule {
  name: string;
  usage: string;
  description: string;
  minArgs: number;
  maxArgs: number;
  /** Built-in block helpers throw at runtime when used inline; ours make no sense as blocks. */
  block: boolean;
  options: readonly string[];
}

const HELPER_RULES: readonly HelperRule[] = [
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
  { name: 'upper', usage: '{{upper account.name}}', description: 'Text in capitals', minArgs: 1, maxArgs: 1, block: false, options: [] },
  { name: 'lower', usage: '{{lower ticket.status}}', description: 'Text in small letters', minArgs: 1, maxArgs: 1, block: false, options: [] },
  {
    name: 'truncate',
    usage: '{{truncate ticket.problem 60}}',
    description:
      'Shortens text to at most n characters (at a word break when one is near), ending with "…" only when it was cut; a third argument replaces "…" (e.g. "..." keeps the SMS in GSM-7)',
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
    description: 'Formats an ISO 8601 date with Luxon tokens in the time zone from `timezone`; text that is not a date is shown as is',
    minArgs: 1,
    maxArgs: 2,
    block: false,
    options: [],
  },
  { name: 'firstName', usage: '{{firstName customer.name}}', description: 'First word of a name', minArgs: 1, maxArgs: 1, block: false, options: [] },
];

export const TEMPLATE_HELPERS: ReadonlyArray<{ name: string; usage: string; description: string }> = HELPER_RULES.map(
  ({ name, usage, description }) => ({ name, usage, description }),
);

export class TemplateSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = 'TemplateSyntaxError';
  }
}

export interface TemplateProblem {
  message: string;
  line: number;
  column: number;
}

/** Longest template accepted: the API allows 5000 characters, this leaves room whatever counts them; parse time grows fast beyond. */
export const MAX_TEMPLATE_LENGTH = 10_000;

/**
 * Longest text a render may write: the longest SMS with room for the longest ticket-update text (5,000) in its
 * template, so those still get the "would be N characters" answer, while a template that multiplies its output
 * stops here.
 */
export const MAX_RENDERED_CHARACTERS = 4 * MAX_SMS_CHARACTERS;

/** Block bodies ({{#each}} items, {{#if}} branches...) and helper calls one render may run; real templates run a handful. */
export const MAX_BLOCK_RUNS = 1_000;

/** A template that would write or repeat more than its budget allows; the render stopped there. */
export class TemplateBudgetError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = 'TemplateBudgetError';
  }
}

export const TEMPLATE_KEYS = ['initial_problem', 'ticket_update', 'after_hours'] as const;
export type TemplateKey = (typeof TEMPLATE_KEYS)[number];

// ---------------------------------------------------------------------------------------------
// Helpers

const DEFAULT_DATE_FORMAT = 'LLL d, h:mm a';
const DATA_VARIABLES = new Set(['index', 'key', 'first', 'last']);
const WORD_BREAK_WINDOW = 15;
/** Names every object inherits; where validation cannot know the context (inside #each) these are still refused. */
const PROTOTYPE_NAMES = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

/** Only plain values reach the SMS: objects and functions print as nothing, never as source or "[object …]". */
function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return '';
}

function firstWord(name: unknown): string {
  return toText(name).trim().split(/\s+/)[0] ?? '';
}

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
  if (!/\s/.test(chars[keep] ?? ' ') && lastBreak >= 0 && Array.from(kept.slice(lastBreak)).length <= WORD_BREAK_WINDOW) {
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

type HelperBody = (args: unknown[], options: Handlebars.HelperOptions) => string;

const HELPER_BODIES: Record<string, HelperBody> = {
  upper: ([value]) => toText(value).toUpperCase(),
  lower: ([value]) => toText(value).toLowerCase(),
  truncate: ([text, length, suffix]) => truncate(text, length, suffix),
  default: ([value, fallback]) => (toText(value).trim() === '' ? toText(fallback) : toText(value)),
  date: ([value, format], options) => formatDate(value, format, options),
  firstName: ([name]) => firstWord(name),
};

/**
 * What one render has spent. Nested blocks count their bodies' text again at every level, which is the
 * work the string building really does, so the count bounds time as well as the text.
 */
class RenderBudget {
  private runs = 0;
  private written = 0;

  run(loc: hbs.AST.SourceLocation | undefined): void {
    if (++this.runs > MAX_BLOCK_RUNS) {
      const { line, column } = at(loc);
      throw new TemplateBudgetError(`The template repeats its blocks and helpers more than ${MAX_BLOCK_RUNS} times`, line, column);
    }
  }

  wrote(text: string, loc: hbs.AST.SourceLocation | undefined): void {
    this.written += text.length;
    if (this.written > BLOCK_OUTPUT_BUDGET) throw tooMuchText(loc);
  }
}

/** Cumulative over nesting levels (see RenderBudget); the finished text is held to MAX_RENDERED_CHARACTERS itself. */
const BLOCK_OUTPUT_BUDGET = 4 * MAX_RENDERED_CHARACTERS;

function tooMuchText(loc: hbs.AST.SourceLocation | undefined): TemplateBudgetError {
  const { line, column } = at(loc);
  return new TemplateBudgetError(
    `The template writes more than ${MAX_RENDERED_CHARACTERS} characters (an SMS takes at most ${MAX_SMS_CHARACTERS})`,
    line,
    column,
  );
}

/** Renders are synchronous, so the one in progress owns this slot until it returns or throws. */
let activeBudget: RenderBudget | undefined;

type BlockBody = Handlebars.TemplateDelegate;

function metered(body: BlockBody | undefined, loc: hbs.AST.SourceLocation | undefined): BlockBody | undefined {
  if (typeof body !== 'function') return body;
  return function (this: unknown, context: unknown, options?: Handlebars.RuntimeOptions): string {
    activeBudget?.run(loc);
    const text = body.call(this, context, options);
    activeBudget?.wrote(text, loc);
    return text;
  };
}

/** Every way a template repeats or nests text goes through these, so each body run is counted. */
const METERED_BLOCK_HELPERS = ['each', 'if', 'unless', 'with', 'blockHelperMissing'] as const;

function createHandlebars(): typeof Handlebars {
  const hb = Handlebars.create();
  // `log` writes to the server console and `lookup` reads properties by computed name, bypassing validation.
  hb.unregisterHelper('log');
  hb.unregisterHelper('lookup');
  for (const name of METERED_BLOCK_HELPERS) {
    const builtIn = hb.helpers[name] as Handlebars.HelperDelegate;
    hb.registerHelper(name, function (this: unknown, ...raw: unknown[]) {
      const options = raw[raw.length - 1] as Handlebars.HelperOptions & { loc?: hbs.AST.SourceLocation };
      raw[raw.length - 1] = { ...options, fn: metered(options.fn, options.loc), inverse: metered(options.inverse, options.loc) };
      return (builtIn as (...args: unknown[]) => unknown).apply(this, raw);
    });
  }
  for (const [name, body] of Object.entries(HELPER_BODIES)) {
    hb.registerHelper(name, (...raw: unknown[]) => {
      // Handlebars always passes its options object last, after the template's arguments.
      const options = raw.pop() as Handlebars.HelperOptions & { loc?: hbs.AST.SourceLocation };
      activeBudget?.run(options.loc);
      const text = body(raw, options);
      activeBudget?.wrote(text, options.loc);
      return text;
    });
  }
  return hb;
}

const engine = createHandlebars();

const COMPILE_OPTIONS = {
  noEscape: true,
  // Unknown helpers fail at compile time instead of being looked up on the data.
  knownHelpersOnly: true,
  knownHelpers: {
    ...Object.fromEntries(HELPER_RULES.map((rule) => [rule.name, true])),
    log: false,
    lookup: false,
    helperMissing: false,
    blockHelperMissing: false,
  },
  preventIndent: true,
};

const RUNTIME_OPTIONS: Handlebars.RuntimeOptions = {
  allowProtoPropertiesByDefault: false,
  allowProtoMethodsByDefault: false,
  allowCallsToHelperMissing: false,
};

// ---------------------------------------------------------------------------------------------
// Variables: the table as a tree, and the view model templates actually see

interface VariableNode {
  leaf: boolean;
  children: Map<string, VariableNode>;
}

const VARIABLE_TREE: VariableNode = (() => {
  const root: VariableNode = { leaf: false, children: new Map() };
  for (const { path } of TEMPLATE_VARIABLES) {
    let node = root;
    for (const part of path.split('.')) {
      let child = node.children.get(part);
      if (!child) {
        child = { leaf: false, children: new Map() };
        node.children.set(part, child);
      }
      node = child;
    }
    node.leaf = true;
  }
  return root;
})();

/**
 * Prototype of every object a template sees: no Object.prototype behind it, so `constructor`,
 * `__proto__` and friends resolve to nothing, and `{{this}}` prints '' rather than "[object Object]".
 */
const VIEW_PROTO: object = Object.freeze(Object.create(null, { [Symbol.toPrimitive]: { value: () => '' } }));

/** Strings, numbers and booleans pass; a Date becomes ISO 8601 text (what the date helper reads); anything else is dropped. */
function templateValue(value: unknown): string | number | boolean | undefined {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  return undefined;
}

function readPath(source: unknown, parts: readonly string[]): unknown {
  let current = source;
  for (const part of parts) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function writePath(target: Record<string, unknown>, parts: readonly string[], value: unknown): void {
  let current = target;
  for (const part of parts.slice(0, -1)) {
    let next = current[part];
    if (next === undefined) {
      next = Object.create(VIEW_PROTO) as Record<string, unknown>;
      current[part] = next;
    }
    current = next as Record<string, unknown>;
  }
  current[parts[parts.length - 1]] = value;
}

/** Copies only the table's variables, so extra fields of a caller's objects (or their prototypes) never reach a template. */
function viewModel(variables: TemplateVariables | undefined): Record<string, unknown> {
  const view = Object.create(VIEW_PROTO) as Record<string, unknown>;
  for (const { path } of TEMPLATE_VARIABLES) {
    const parts = path.split('.');
    const value = templateValue(readPath(variables, parts));
    if (value !== undefined) writePath(view, parts, value);
  }
  for (const person of ['customer', 'technician']) {
    const name = readPath(view, [person, 'name']);
    if (readPath(view, [person, 'firstName']) === undefined && typeof name === 'string' && name.trim() !== '') {
      writePath(view, [person, 'firstName'], firstWord(name));
    }
  }
  return view;
}

// ---------------------------------------------------------------------------------------------
// Validation: one walk over the AST

type Path = hbs.AST.PathExpression;
type Resolution = { kind: 'known'; parts: readonly string[]; leaf: boolean } | { kind: 'any' } | { kind: 'unknown' } | { kind: 'unknownData' };

/** Where relative paths point: the variable path of each context, null where we cannot know (inside #each). */
interface Scope {
  contexts: ReadonlyArray<readonly string[] | null>;
  blockParams: ReadonlyMap<string, readonly string[] | null>;
}

interface Findings {
  /** Problems that stop rendering (the template cannot run as written). */
  structural: TemplateProblem[];
  /** Unknown variables: rendering still works, they print as nothing. */
  variables: TemplateProblem[];
}

type Call = { kind: 'helper'; rule: HelperRule; firstArg?: Resolution } | { kind: 'value'; resolution: Resolution } | { kind: 'invalid' };

const ANY: Resolution = { kind: 'any' };
const UNKNOWN: Resolution = { kind: 'unknown' };
const HELPERS = new Map(HELPER_RULES.map((rule) => [rule.name, rule]));

function at(loc: hbs.AST.SourceLocation | undefined): { line: number; column: number } {
  return { line: loc?.start.line ?? 1, column: (loc?.start.column ?? 0) + 1 };
}

function problem(message: string, loc: hbs.AST.SourceLocation | undefined): TemplateProblem {
  return { message, ...at(loc) };
}

/** A literal in helper position is looked up by its text, like Handlebars' compiler does. */
function headPath(node: hbs.AST.Expression): Path {
  if (node.type === 'PathExpression') return node as Path;
  const text = String((node as { original?: unknown }).original);
  return { type: 'PathExpression', data: false, depth: 0, parts: [text], original: text, loc: node.loc };
}

/** Same test as Handlebars' AST.helpers.scopedId / simpleId. */
function isScoped(path: Path): boolean {
  return /^\.|this\b/.test(path.original);
}

function isSimpleId(path: Path): boolean {
  return path.parts.length === 1 && !isScoped(path) && !path.depth;
}

function lookupTree(base: readonly string[], parts: readonly string[]): Resolution {
  let node: VariableNode | undefined = VARIABLE_TREE;
  for (const part of base) node = node?.children.get(part);
  for (const part of parts) {
    node = node?.children.get(part);
    if (!node) return UNKNOWN;
  }
  if (!node) return UNKNOWN;
  return { kind: 'known', parts: [...base, ...parts], leaf: node.leaf };
}

function resolve(path: Path, scope: Scope): Resolution {
  const [head, ...rest] = path.parts;
  if (path.data) {
    if (head === 'root') return lookupTree([], rest);
    return head !== undefined && DATA_VARIABLES.has(head) && rest.length === 0 ? ANY : { kind: 'unknownData' };
  }
  if (!path.depth && !isScoped(path) && head !== undefined && scope.blockParams.has(head)) {
    const base = scope.blockParams.get(head);
    return base ? lookupTree(base, rest) : anyValue(rest);
  }
  const index = scope.contexts.length - 1 - path.depth;
  if (index < 0) return UNKNOWN;
  const context = scope.contexts[index];
  return context ? lookupTree(context, path.parts) : anyValue(path.parts);
}

function anyValue(parts: readonly string[]): Resolution {
  return parts.some((part) => PROTOTYPE_NAMES.has(part)) ? UNKNOWN : ANY;
}

function groupMembers(parts: readonly string[]): string {
  const prefix = parts.join('.') + '.';
  const members = TEMPLATE_VARIABLES.filter((v) => v.path.startsWith(prefix)).map((v) => v.path);
  return members.join(', ');
}

class TemplateAnalyzer {
  readonly findings: Findings = { structural: [], variables: [] };

  program(program: hbs.AST.Program | undefined, scope: Scope): void {
    for (const statement of program?.body ?? []) this.statement(statement, scope);
  }

  private statement(node: hbs.AST.Statement, scope: Scope): void {
    switch (node.type) {
      case 'ContentStatement':
      case 'CommentStatement':
        return;
      case 'MustacheStatement':
        this.call(node as hbs.AST.MustacheStatement, 'mustache', scope);
        return;
      case 'BlockStatement':
        this.block(node as hbs.AST.BlockStatement, scope);
        return;
      case 'PartialStatement':
      case 'PartialBlockStatement':
        this.findings.structural.push(problem('Partials ({{> ...}}) are not supported in SMS templates', node.loc));
        return;
      case 'Decorator':
      case 'DecoratorBlock':
        this.findings.structural.push(problem('Decorators ({{* ...}}) are not supported in SMS templates', node.loc));
        return;
      default:
        this.findings.structural.push(problem(`Unsupported template element ${node.type}`, node.loc));
    }
  }

  private block(node: hbs.AST.BlockStatement, scope: Scope): void {
    const call = this.call(node, 'block', scope);
    // with/each/sections run their body in a new context (what `../` steps out of); if/unless keep it.
    let context: readonly string[] | null | undefined;
    let firstBlockParam: readonly string[] | null = null;
    if (call.kind === 'helper' && call.rule.name === 'with') {
      context = call.firstArg?.kind === 'known' ? call.firstArg.parts : null;
      firstBlockParam = context;
    } else if (call.kind === 'helper' && call.rule.name === 'each') {
      context = null;
    } else if (call.kind === 'value') {
      context = call.resolution.kind === 'known' ? call.resolution.parts : null;
    }
    const contexts = context === undefined ? scope.contexts : [...scope.contexts, context];
    const blockParams = new Map(scope.blockParams);
    (node.program?.blockParams ?? []).forEach((name, i) => blockParams.set(name, i === 0 ? firstBlockParam : null));
    this.program(node.program, { contexts, blockParams });
    this.program(node.inverse, scope);
  }

  private call(
    node: hbs.AST.MustacheStatement | hbs.AST.BlockStatement | hbs.AST.SubExpression,
    kind: 'mustache' | 'block' | 'subexpr',
    scope: Scope,
  ): Call {
    const head = headPath(node.path);
    const name = isSimpleId(head) ? head.parts[0] : undefined;
    const isBlockParam = name !== undefined && !head.data && scope.blockParams.has(name);
    const pairs = node.hash?.pairs ?? [];
    const hasArgs = node.params.length > 0 || pairs.length > 0;
    // Mirrors Handlebars' classification: arguments or a sub-expression make a call, so does a bare known helper name.
    const isCall = kind === 'subexpr' || hasArgs || (name !== undefined && !isBlockParam && HELPERS.has(name));
    if (!isCall) {
      return { kind: 'value', resolution: this.variable(head, scope, kind === 'block') };
    }

    const rule = name !== undefined && !isBlockParam && !head.data ? HELPERS.get(name) : undefined;
    const args = node.params.map((param) => this.argument(param, scope));
    for (const pair of pairs) this.argument(pair.value, scope);
    if (!rule) {
      this.findings.structural.push(problem(`Unknown helper "${head.original}"`, head.loc));
      return { kind: 'invalid' };
    }

    const issues = this.findings.structural;
    if (rule.block && kind !== 'block') {
      issues.push(problem(`"${rule.name}" only works as a block: {{#${rule.name} ...}}...{{/${rule.name}}}`, head.loc));
    } else if (!rule.block && kind === 'block') {
      issues.push(problem(`"${rule.name}" cannot be used as a block; write ${rule.usage}`, head.loc));
    }
    const count = node.params.length;
    if (count === 0 && kind !== 'subexpr' && resolve(head, scope).kind !== 'unknown') {
      // e.g. {{firstName}} inside {{#with customer}}: Handlebars calls the helper, not the variable.
      issues.push(problem(`"${rule.name}" is a helper; write {{this.${rule.name}}} for the variable`, head.loc));
    } else if (count < rule.minArgs || count > rule.maxArgs) {
      const expected =
        rule.minArgs === rule.maxArgs
          ? `${rule.minArgs} argument${rule.minArgs === 1 ? '' : 's'}`
          : `${rule.minArgs} to ${rule.maxArgs} arguments`;
      issues.push(problem(`"${rule.name}" takes ${expected}, got ${count}; e.g. ${rule.usage}`, head.loc));
    }
    for (const pair of pairs) {
      if (!rule.options.includes(pair.key)) issues.push(problem(`"${rule.name}" has no option "${pair.key}"`, pair.loc));
    }
    return { kind: 'helper', rule, firstArg: args[0] };
  }

  private argument(node: hbs.AST.Expression, scope: Scope): Resolution | undefined {
    if (node.type === 'PathExpression') return this.variable(node as Path, scope, true);
    if (node.type === 'SubExpression') this.call(node as hbs.AST.SubExpression, 'subexpr', scope);
    return undefined;
  }

  private variable(path: Path, scope: Scope, allowGroup: boolean): Resolution {
    const resolution = resolve(path, scope);
    if (resolution.kind === 'unknown') {
      this.findings.variables.push(problem(`Unknown variable "${path.original}"`, path.loc));
    } else if (resolution.kind === 'unknownData') {
      this.findings.variables.push(problem(`Unknown data variable "${path.original}"; use @index, @key, @first, @last or @root`, path.loc));
    } else if (resolution.kind === 'known' && !resolution.leaf && !allowGroup && resolution.parts.length > 0) {
      this.findings.variables.push(
        problem(`"${path.original}" is a group of variables; use one of ${groupMembers(resolution.parts)}`, path.loc),
      );
    }
    return resolution;
  }
}

function byPosition(a: TemplateProblem, b: TemplateProblem): number {
  return a.line - b.line || a.column - b.column;
}

function analyze(ast: hbs.AST.Program): Findings {
  const analyzer = new TemplateAnalyzer();
  try {
    analyzer.program(ast, { contexts: [[]], blockParams: new Map() });
  } catch (error) {
    if (error instanceof RangeError) return { structural: [{ message: TOO_DEEP, line: 1, column: 1 }], variables: [] };
    throw error;
  }
  const { structural, variables } = analyzer.findings;
  return { structural: structural.sort(byPosition), variables: variables.sort(byPosition) };
}

// ---------------------------------------------------------------------------------------------
// Parse errors → line and column

/** The jison lexer behind hb.parse: after a failed parse it still holds the offending token and its position. */
interface JisonLexer {
  yylloc?: { first_line?: unknown; first_column?: unknown };
  match?: unknown;
}

function lastLexer(): JisonLexer | undefined {
  // Not in Handlebars' typings; the thrown parse error carries only text, the position lives here.
  return (engine as unknown as { Parser?: { lexer?: JisonLexer } }).Parser?.lexer;
}

const UNCLOSED_SENTINEL = '__sms_unclosed_block__';

/** Moves a column pointing at a block's name back to the `{{` that opens the tag, which is what a user looks for. */
function tagStart(source: string, line: number, column: number): number {
  const text = source.split(/\r\n|\r|\n/)[line - 1] ?? '';
  let index = text.lastIndexOf('{{', column - 1);
  if (index < 0) return column;
  while (index > 0 && text[index - 1] === '{') index--;
  return index + 1;
}

function fromHandlebarsException(error: Handlebars.Exception, source: string): TemplateSyntaxError {
  const message = error.message.replace(/ - \d+:\d+$/, '');
  const line = Number.isInteger(error.lineNumber) ? Number(error.lineNumber) : 1;
  const column = Number.isInteger(error.column) ? Number(error.column) + 1 : 1;
  const mismatch = /^(.*) doesn't match (.*)$/.exec(message);
  if (mismatch) {
    return new TemplateSyntaxError(`{{/${mismatch[2]}}} does not close {{#${mismatch[1]}}}`, line, tagStart(source, line, column));
  }
  return new TemplateSyntaxError(message, line, column);
}

/** For an end of template inside a block, re-parses with an extra closing tag: Handlebars then names the open block and where it starts. */
function unclosedBlock(source: string): TemplateSyntaxError | undefined {
  try {
    // The newline keeps a trailing backslash in the source from escaping the added tag.
    engine.parse(`${source}\n{{/${UNCLOSED_SENTINEL}}}`);
  } catch (error) {
    const open = error instanceof engine.Exception ? new RegExp(`^(.*) doesn't match ${UNCLOSED_SENTINEL}`).exec(error.message) : null;
    if (open && error instanceof engine.Exception && Number.isInteger(error.lineNumber) && Number.isInteger(error.column)) {
      const line = Number(error.lineNumber);
      return new TemplateSyntaxError(`Missing {{/${open[1]}}} to close this block`, line, tagStart(source, line, Number(error.column) + 1));
    }
  }
  return undefined;
}

/** 0-based offset of a 1-based line and column, counting line breaks the way the Handlebars lexer does. */
function offsetOf(source: string, line: number, column: number): number {
  const breaks = /\r\n|\r|\n/g;
  let start = 0;
  for (let n = 1; n < line; n++) {
    const found = breaks.exec(source);
    if (!found) break;
    start = found.index + found[0].length;
  }
  return start + column - 1;
}

function positionOf(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset);
  const breaks = before.match(/\r\n|\r|\n/g) ?? [];
  const lastBreak = Math.max(before.lastIndexOf('\n'), before.lastIndexOf('\r'));
  return { line: breaks.length + 1, column: offset - lastBreak };
}

/** An error inside a tag with no "}}" anywhere after it: the tag was never closed, so point at its "{{". */
function unclosedTag(source: string, line: number, column: number): TemplateSyntaxError | undefined {
  const offset = offsetOf(source, line, column);
  if (source.indexOf('}}', offset) !== -1) return undefined;
  let start = source.lastIndexOf('{{', offset);
  if (start < 0) return undefined;
  while (start > 0 && source[start - 1] === '{') start--;
  const braces = /^\{+/.exec(source.slice(start))?.[0].length ?? 2;
  const at = positionOf(source, start);
  return new TemplateSyntaxError(`Missing "${'}'.repeat(braces)}" to close this tag`, at.line, at.column);
}

function describeExpected(expected: string): string {
  if (expected.includes("'CLOSE'")) return '; expected "}}"';
  if (expected.includes("'CLOSE_UNESCAPED'")) return '; expected "}}}"';
  if (expected.includes("'CLOSE_SEXPR'")) return '; expected ")"';
  if (expected.includes("'ID'")) return '; expected a variable or helper name';
  if (expected.includes("'OPEN_ENDBLOCK'")) return '; expected a closing {{/...}}';
  return '';
}

const TOO_DEEP = 'Template is nested too deeply';

function toSyntaxError(error: unknown, source: string): TemplateSyntaxError {
  if (error instanceof TemplateSyntaxError) return error;
  // Handlebars' compiler and our walk recurse per nesting level; thousands of levels overflow the stack.
  if (error instanceof RangeError) return new TemplateSyntaxError(TOO_DEEP, 1, 1);
  if (error instanceof engine.Exception) return fromHandlebarsException(error, source);
  const text = error instanceof Error ? error.message : String(error);
  // Read the lexer first: re-parsing for an unclosed block overwrites it.
  const lexer = lastLexer();
  const loc = lexer?.yylloc;
  const reportedLine = Number(/on line (\d+)/.exec(text)?.[1] ?? 1);
  const line = Number.isInteger(loc?.first_line) ? Number(loc?.first_line) : reportedLine;
  const column = Number.isInteger(loc?.first_column) ? Number(loc?.first_column) + 1 : 1;
  if (text.startsWith('Lexical error')) {
    return new TemplateSyntaxError('Unrecognized text; is a {{!-- comment or a tag left open?', line, column);
  }
  const got = /got '([^']+)'\s*$/.exec(text)?.[1];
  const expected = /Expecting (.*), got '/.exec(text)?.[1] ?? '';
  const match = typeof lexer?.match === 'string' ? lexer.match.replace(/\s+/g, ' ').trim() : '';
  // A stray "}" is a malformed close and is reported where it is; anything else with no "}}" left is an open tag.
  const insideTag = /'(CLOSE|CLOSE_UNESCAPED|CLOSE_RAW_BLOCK|CLOSE_SEXPR|ID)'/.test(expected) && !match.startsWith('}');
  const tag = insideTag ? unclosedTag(source, line, column) : undefined;
  if (tag) return tag;
  if (got === 'EOF') {
    const open = expected.includes("'OPEN_ENDBLOCK'") ? unclosedBlock(source) : undefined;
    return open ?? new TemplateSyntaxError(`Unexpected end of template${describeExpected(expected)}`, line, column);
  }
  if (got !== undefined) {
    const token = match !== '' && match.length <= 20 ? `"${match}"` : got.toLowerCase();
    return new TemplateSyntaxError(`Unexpected ${token}${describeExpected(expected)}`, line, column);
  }
  return new TemplateSyntaxError(text.split('\n')[0], line, column);
}

function parse(source: string): hbs.AST.Program {
  if (source.length > MAX_TEMPLATE_LENGTH) {
    const at = positionOf(source, MAX_TEMPLATE_LENGTH);
    throw new TemplateSyntaxError(`Template is longer than ${MAX_TEMPLATE_LENGTH} characters`, at.line, at.column);
  }
  try {
    return engine.parse(source);
  } catch (error) {
    throw toSyntaxError(error, source);
  }
}

// ---------------------------------------------------------------------------------------------

const DEFAULT_CACHE_SIZE = 500;

export class TemplateRenderer {
  private readonly cache = new Map<string, Handlebars.TemplateDelegate>();
  private readonly maxCachedTemplates: number;

  constructor(options: { maxCachedTemplates?: number } = {}) {
    this.maxCachedTemplates = Math.max(1, Math.floor(options.maxCachedTemplates ?? DEFAULT_CACHE_SIZE));
  }

  /** How many compiled templates are kept; never above maxCachedTemplates. */
  get cachedTemplateCount(): number {
    return this.cache.size;
  }

  /**
   * Problems sorted by position, each with a 1-based line and column. A syntax error is the only
   * problem reported (Handlebars stops there); otherwise helper misuse and unknown variables. Empty = valid.
   */
  validate(source: string): TemplateProblem[] {
    let ast: hbs.AST.Program;
    try {
      ast = parse(source);
    } catch (error) {
      const { message, line, column } = toSyntaxError(error, source);
      return [{ message, line, column }];
    }
    const { structural, variables } = analyze(ast);
    if (structural.length > 0) return [...structural, ...variables].sort(byPosition);
    // A template that runs away does so whatever the ticket says: one run with the examples finds it.
    const overBudget = this.budgetProblem(source);
    return [...(overBudget ? [overBudget] : []), ...variables].sort(byPosition);
  }

  private budgetProblem(source: string): TemplateProblem | undefined {
    try {
      this.run(source, this.exampleVariables());
      return undefined;
    } catch (error) {
      // Other failures are render's to report, with the ticket's own values; validation never throws.
      if (!(error instanceof TemplateBudgetError)) return undefined;
      return { message: error.message, line: error.line, column: error.column };
    }
  }

  /**
   * Renders with example or real variables. Throws TemplateSyntaxError when the template cannot run
   * (syntax, unknown helper, misused helper, partials); unknown or missing variables print as nothing.
   * Throws TemplateBudgetError, having stopped, when the template would write more than MAX_RENDERED_CHARACTERS
   * or run more than MAX_BLOCK_RUNS block bodies.
   */
  render(source: string, variables: TemplateVariables): string {
    const text = this.run(source, variables);
    if (text.length > MAX_RENDERED_CHARACTERS) throw tooMuchText(undefined);
    return text;
  }

  /** Example variables (from TEMPLATE_VARIABLES examples) for previews without a ticket. */
  exampleVariables(): TemplateVariables {
    const example: Record<string, unknown> = {};
    for (const { path, example: value } of TEMPLATE_VARIABLES) {
      let target = example;
      const parts = path.split('.');
      for (const part of parts.slice(0, -1)) {
        target[part] ??= {};
        target = target[part] as Record<string, unknown>;
      }
      target[parts[parts.length - 1]] = value;
    }
    // The table is the single source of the examples; the spec checks it matches TemplateVariables.
    return example as TemplateVariables;
  }

  /** The text as written, held to the block budgets only: a long literal text is long, not runaway. */
  private run(source: string, variables: TemplateVariables): string {
    const cached = this.cache.get(source);
    const template = cached ?? this.compile(source);
    let output: string;
    const outer = activeBudget;
    activeBudget = new RenderBudget();
    try {
      output = template(viewModel(variables), RUNTIME_OPTIONS);
    } catch (error) {
      // Handlebars compiles lazily on the first call, so its compile errors surface here.
      if (error instanceof engine.Exception || error instanceof RangeError) throw toSyntaxError(error, source);
      throw error;
    } finally {
      activeBudget = outer;
    }
    this.remember(source, template);
    return output.trimEnd();
  }

  private compile(source: string): Handlebars.TemplateDelegate {
    const [first] = analyze(parse(source)).structural;
    if (first) throw new TemplateSyntaxError(first.message, first.line, first.column);
    return engine.compile(source, COMPILE_OPTIONS);
  }

  /** Least recently used first: Map keeps insertion order, so a hit is moved to the end. */
  private remember(source: string, template: Handlebars.TemplateDelegate): void {
    this.cache.delete(source);
    this.cache.set(source, template);
    while (this.cache.size > this.maxCachedTemplates) {
      const oldest = this.cache.keys().next();
      if (oldest.done) break;
      this.cache.delete(oldest.value);
    }
  }
}
