import { BadRequestException, PipeTransform } from '@nestjs/common';
import { Matches, MaxLength } from 'class-validator';

/**
 * Ids that belong to the host (account, ticket, customer, user, team, comment) are opaque to the module: integers,
 * UUIDs or any other key the host uses. They are checked for shape only, so a bad one is a 400 and never reaches SQL.
 */
export const HOST_ID_MAX_LENGTH = 64;
const HOST_ID = /^[A-Za-z0-9_-]+$/;

export function isHostId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= HOST_ID_MAX_LENGTH && HOST_ID.test(value);
}

/** A route parameter that names a host record. */
export class HostIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    if (!isHostId(value))
      throw new BadRequestException(`Expected an id of at most ${HOST_ID_MAX_LENGTH} letters, digits, '_' or '-'`);
    return value;
  }
}

/** A DTO field that names a host record. */
export function IsHostId(options: { each?: boolean } = {}): PropertyDecorator {
  return (target, key) => {
    MaxLength(HOST_ID_MAX_LENGTH, { ...options, message: `$property is at most ${HOST_ID_MAX_LENGTH} characters` })(
      target,
      key,
    );
    Matches(HOST_ID, { ...options, message: "$property may hold letters, digits, '_' and '-' only" })(target, key);
  };
}
