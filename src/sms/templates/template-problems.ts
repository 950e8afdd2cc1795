/** What validation and rendering report about a template: messages with a 1-based line and column. */

/** A template that cannot run as written: syntax, an unknown or misused helper, a partial. */
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

export const TOO_DEEP = 'Template is nested too deeply';

export function at(loc: hbs.AST.SourceLocation | undefined): { line: number; column: number } {
  return { line: loc?.start.line ?? 1, column: (loc?.start.column ?? 0) + 1 };
}

export function problem(message: string, loc: hbs.AST.SourceLocation | undefined): TemplateProblem {
  return { message, ...at(loc) };
}

export function byPosition(a: TemplateProblem, b: TemplateProblem): number {
  return a.line - b.line || a.column - b.column;
}
