/**
 * What one render may spend: the text it writes and the block bodies and helper calls it runs. A template that
 * multiplies its output stops at its budget with a TemplateBudgetError.
 */
import type Handlebars from 'handlebars';
import { MAX_SMS_CHARACTERS } from '../segments/segments';
import { at, TemplateBudgetError } from './template-problems';

/**
 * Longest text a render may write: the longest SMS with room for the longest ticket-update text (5,000) in its
 * template, so those still get the "would be N characters" answer, while a template that multiplies its output
 * stops here.
 */
export const MAX_RENDERED_CHARACTERS = 4 * MAX_SMS_CHARACTERS;

/**
 * Block bodies ({{#each}} items, {{#if}} branches...) and helper calls one render may run; real templates run a
 * handful.
 */
export const MAX_BLOCK_RUNS = 1_000;

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
      throw new TemplateBudgetError(
        `The template repeats its blocks and helpers more than ${MAX_BLOCK_RUNS} times`,
        line,
        column,
      );
    }
  }

  wrote(text: string, loc: hbs.AST.SourceLocation | undefined): void {
    this.written += text.length;
    if (this.written > BLOCK_OUTPUT_BUDGET) throw tooMuchText(loc);
  }
}

/** Cumulative over nesting levels (see RenderBudget); the finished text is held to MAX_RENDERED_CHARACTERS itself. */
const BLOCK_OUTPUT_BUDGET = 4 * MAX_RENDERED_CHARACTERS;

export function tooMuchText(loc: hbs.AST.SourceLocation | undefined): TemplateBudgetError {
  const { line, column } = at(loc);
  return new TemplateBudgetError(
    `The template writes more than ${MAX_RENDERED_CHARACTERS} characters (an SMS takes at most ${MAX_SMS_CHARACTERS})`,
    line,
    column,
  );
}

/** Renders are synchronous, so the one in progress owns this slot until it returns or throws. */
let activeBudget: RenderBudget | undefined;

/** Runs `render` with a budget of its own, the one in progress again afterwards. */
export function withRenderBudget<T>(render: () => T): T {
  const outer = activeBudget;
  activeBudget = new RenderBudget();
  try {
    return render();
  } finally {
    activeBudget = outer;
  }
}

/** Counts one block body or helper call, and the text it wrote, against the render in progress. */
export function counted(loc: hbs.AST.SourceLocation | undefined, produce: () => string): string {
  activeBudget?.run(loc);
  const text = produce();
  activeBudget?.wrote(text, loc);
  return text;
}

type BlockBody = Handlebars.TemplateDelegate;

export function metered(body: BlockBody | undefined, loc: hbs.AST.SourceLocation | undefined): BlockBody | undefined {
  if (typeof body !== 'function') return body;
  return function (this: unknown, context: unknown, options?: Handlebars.RuntimeOptions): string {
    return counted(loc, () => body.call(this, context, options));
  };
}
