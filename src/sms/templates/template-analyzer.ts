/** Validation: one walk over a parsed template, finding misused helpers and unknown variables with their place. */
import { HELPER_RULES, HelperRule } from './template-helpers';
import { byPosition, problem, TemplateProblem, TOO_DEEP } from './template-problems';
import { TEMPLATE_VARIABLES, VARIABLE_TREE, VariableNode } from './template-variables';

const DATA_VARIABLES = new Set(['index', 'key', 'first', 'last']);
/** Names every object inherits; where validation cannot know the context (inside #each) these are still refused. */
const PROTOTYPE_NAMES = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

type Path = hbs.AST.PathExpression;
type Resolution =
  | { kind: 'known'; parts: readonly string[]; leaf: boolean }
  | { kind: 'any' }
  | { kind: 'unknown' }
  | { kind: 'unknownData' };

/** Where relative paths point: the variable path of each context, null where we cannot know (inside #each). */
interface Scope {
  contexts: ReadonlyArray<readonly string[] | null>;
  blockParams: ReadonlyMap<string, readonly string[] | null>;
}

export interface Findings {
  /** Problems that stop rendering (the template cannot run as written). */
  structural: TemplateProblem[];
  /** Unknown variables: rendering still works, they print as nothing. */
  variables: TemplateProblem[];
}

type Call =
  | { kind: 'helper'; rule: HelperRule; firstArg?: Resolution }
  | { kind: 'value'; resolution: Resolution }
  | { kind: 'invalid' };

const ANY: Resolution = { kind: 'any' };
const UNKNOWN: Resolution = { kind: 'unknown' };
const HELPERS = new Map(HELPER_RULES.map((rule) => [rule.name, rule]));

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
      if (!rule.options.includes(pair.key))
        issues.push(problem(`"${rule.name}" has no option "${pair.key}"`, pair.loc));
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
      this.findings.variables.push(
        problem(`Unknown data variable "${path.original}"; use @index, @key, @first, @last or @root`, path.loc),
      );
    } else if (resolution.kind === 'known' && !resolution.leaf && !allowGroup && resolution.parts.length > 0) {
      this.findings.variables.push(
        problem(`"${path.original}" is a group of variables; use one of ${groupMembers(resolution.parts)}`, path.loc),
      );
    }
    return resolution;
  }
}

export function analyze(ast: hbs.AST.Program): Findings {
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
