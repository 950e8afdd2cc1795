import { HttpException, UnprocessableEntityException } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate, ValidationError } from 'class-validator';
import { messageOf } from './console-exception.filter';

export type FormBody = Record<string, string | string[] | undefined>;

/** A form's single value (the last one when a field was sent twice, as a checkbox beside a hidden field is). */
export function field(form: FormBody, name: string): string | undefined {
  const value = form[name];
  return Array.isArray(value) ? value[value.length - 1] : value;
}

export function checkbox(form: FormBody, name: string): boolean {
  const value = field(form, name);
  return value === 'on' || value === 'true' || value === '1';
}

/** Every value of a repeated field (rows of a table, several checkboxes of one name). */
export function fieldList(form: FormBody, name: string): string[] {
  const value = form[name];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

export interface Problem {
  field: string;
  message: string;
}

function flatten(errors: ValidationError[], prefix = ''): Problem[] {
  return errors.flatMap((e) => [
    ...Object.values(e.constraints ?? {}).map((message) => ({ field: `${prefix}${e.property}`, message })),
    ...flatten(e.children ?? [], `${prefix}${e.property}.`),
  ]);
}

/**
 * Checks console form input with the same DTO class (and rules) as the REST API, so a form can never
 * let through what the API would refuse; 422 with every problem (and the field it belongs to) otherwise.
 */
export async function validated<T extends object>(dto: new () => T, input: Record<string, unknown>): Promise<T> {
  const instance = plainToInstance(dto, input);
  const errors = await validate(instance, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) {
    const problems = flatten(errors);
    throw new UnprocessableEntityException({
      statusCode: 422,
      error: 'Unprocessable Entity',
      message: problems.map((p) => p.message).join('; '),
      problems,
    });
  }
  return instance;
}

/** Where a problem's field shows on the page: the input's id and its label in the words of the form. */
export interface FormField {
  id: string;
  label: string;
}

/**
 * The errors of one submitted form as the page shows them: each next to its field (by input id) and, at the top,
 * a list in plain words linking to the fields. `place` names the input a service's field path belongs to.
 */
export class FormErrors {
  private readonly byField: Record<string, string> = {};
  private readonly list: { href: string | null; label: string | null; message: string }[] = [];

  constructor(private readonly heading: string) {}

  add(at: FormField | null, message: string): this {
    if (at) this.byField[at.id] = this.byField[at.id] ? `${this.byField[at.id]} ${message}` : message;
    this.list.push({ href: at ? `#${at.id}` : null, label: at?.label ?? null, message });
    return this;
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  /** Adds the problems of a 4xx: those with a field where `place` finds one, the rest (or its message) above. */
  addRefusal(error: HttpException, place: (field: string) => FormField | null): this {
    const body = error.getResponse();
    const problems = typeof body === 'object' ? (body as { problems?: unknown }).problems : undefined;
    if (Array.isArray(problems) && problems.length > 0) {
      for (const p of problems as (Partial<Problem> & { line?: number; column?: number })[]) {
        // A problem at a line and column is one of a template's text, the API's `body`.
        const path = typeof p.field === 'string' ? p.field : p.line !== undefined ? 'body' : undefined;
        const at = path ? place(path) : null;
        const where = p.line !== undefined ? `Line ${p.line}, column ${p.column ?? 1}: ` : '';
        this.add(at, where + plainWords(String(p.message ?? ''), path, at));
      }
    } else {
      this.add(null, messageOf(body));
    }
    return this;
  }

  /** For the view: `formErrors` (the list above the form) and `errors` (by input id, for the fields). */
  view(): { formErrors: { heading: string; items: FormErrors['list'] }; errors: Record<string, string> } {
    return { formErrors: { heading: this.heading, items: this.list }, errors: this.byField };
  }
}

/** "claimTimeoutMinutes must not be…" reads "Claim timeout must not be…": the API's property named as the form does. */
function plainWords(message: string, path: string | undefined, at: FormField | null): string {
  const property = path?.split('.').pop();
  if (!at || !property || !message.startsWith(`${property} `)) return message;
  return `${at.label}${message.slice(property.length)}`;
}

/** A 4xx the page answers with the form again (422, 409, 400); 404 and faults go to the error page. */
export function isRefusal(error: unknown): error is HttpException {
  return (
    error instanceof HttpException && error.getStatus() >= 400 && error.getStatus() < 500 && error.getStatus() !== 404
  );
}
