import { UnprocessableEntityException } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate, ValidationError } from 'class-validator';

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

function flatten(errors: ValidationError[]): string[] {
  return errors.flatMap((e) => [...Object.values(e.constraints ?? {}), ...flatten(e.children ?? [])]);
}

/**
 * Checks console form input with the same DTO class (and rules) as the REST API, so a form can never
 * let through what the API would refuse; 422 with every problem otherwise.
 */
export async function validated<T extends object>(dto: new () => T, input: Record<string, unknown>): Promise<T> {
  const instance = plainToInstance(dto, input);
  const errors = await validate(instance, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) throw new UnprocessableEntityException(flatten(errors).join('; '));
  return instance;
}
