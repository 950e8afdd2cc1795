/**
 * The SMS template renderer: validates a template (each problem with its line and column, for the editor) and renders
 * it with a ticket's variables within its budgets. Its parts: the variables (template-variables), the helpers
 * (template-helpers), the Handlebars instance (template-engine), the budgets (template-budget), parsing
 * (template-syntax) and the validation walk (template-analyzer). Pure: no Nest, no DB.
 */
import Handlebars from 'handlebars';
import { analyze } from './template-analyzer';
import { MAX_RENDERED_CHARACTERS, tooMuchText, withRenderBudget } from './template-budget';
import { COMPILE_OPTIONS, engine, RUNTIME_OPTIONS } from './template-engine';
import { byPosition, TemplateBudgetError, TemplateProblem, TemplateSyntaxError } from './template-problems';
import { parse, toSyntaxError } from './template-syntax';
import { exampleVariables, TemplateVariables, viewModel } from './template-variables';

export { MAX_BLOCK_RUNS, MAX_RENDERED_CHARACTERS } from './template-budget';
export { TEMPLATE_HELPERS } from './template-helpers';
export { TemplateBudgetError, TemplateSyntaxError } from './template-problems';
export type { TemplateProblem } from './template-problems';
export { MAX_TEMPLATE_LENGTH } from './template-syntax';
export { firstName, TEMPLATE_VARIABLES } from './template-variables';
export type { TemplateVariables } from './template-variables';

export const TEMPLATE_KEYS = ['initial_problem', 'ticket_update', 'after_hours'] as const;
export type TemplateKey = (typeof TEMPLATE_KEYS)[number];

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
    return exampleVariables();
  }

  /** The text as written, held to the block budgets only: a long literal text is long, not runaway. */
  private run(source: string, variables: TemplateVariables): string {
    const cached = this.cache.get(source);
    const template = cached ?? this.compile(source);
    let output: string;
    try {
      output = withRenderBudget(() => template(viewModel(variables), RUNTIME_OPTIONS));
    } catch (error) {
      // Handlebars compiles lazily on the first call, so its compile errors surface here.
      if (error instanceof engine.Exception || error instanceof RangeError) throw toSyntaxError(error, source);
      throw error;
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
