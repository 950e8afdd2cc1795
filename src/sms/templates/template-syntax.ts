/** Parsing, and Handlebars' parse errors turned into a message with the line and column a user looks for. */
import Handlebars from 'handlebars';
import { engine } from './template-engine';
import { TemplateSyntaxError, TOO_DEEP } from './template-problems';

/**
 * Longest template accepted: the API allows 5000 characters, this leaves room whatever counts them; parse time grows
 * fast beyond.
 */
export const MAX_TEMPLATE_LENGTH = 10_000;

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
    return new TemplateSyntaxError(
      `{{/${mismatch[2]}}} does not close {{#${mismatch[1]}}}`,
      line,
      tagStart(source, line, column),
    );
  }
  return new TemplateSyntaxError(message, line, column);
}

/**
 * For an end of template inside a block, re-parses with an extra closing tag: Handlebars then names the open block
 * and where it starts.
 */
function unclosedBlock(source: string): TemplateSyntaxError | undefined {
  try {
    // The newline keeps a trailing backslash in the source from escaping the added tag.
    engine.parse(`${source}\n{{/${UNCLOSED_SENTINEL}}}`);
  } catch (error) {
    const open =
      error instanceof engine.Exception
        ? new RegExp(`^(.*) doesn't match ${UNCLOSED_SENTINEL}`).exec(error.message)
        : null;
    if (
      open &&
      error instanceof engine.Exception &&
      Number.isInteger(error.lineNumber) &&
      Number.isInteger(error.column)
    ) {
      const line = Number(error.lineNumber);
      return new TemplateSyntaxError(
        `Missing {{/${open[1]}}} to close this block`,
        line,
        tagStart(source, line, Number(error.column) + 1),
      );
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

export function toSyntaxError(error: unknown, source: string): TemplateSyntaxError {
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

export function parse(source: string): hbs.AST.Program {
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
