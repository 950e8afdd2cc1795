/**
 * @nestjs/swagger is an optional peer dependency: with it, the module's routes and DTOs carry OpenAPI metadata for the
 * host's docs; without it, these decorators do nothing and the module runs the same.
 */
import type * as Swagger from '@nestjs/swagger';

function load(): typeof Swagger | null {
  try {
    // A synchronous require: decorators run while classes are defined, before any await could settle.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('@nestjs/swagger') as typeof Swagger;
  } catch {
    return null;
  }
}

const swagger = load();
const nothing = (): ClassDecorator & MethodDecorator & PropertyDecorator => () => undefined;

export const ApiBearerAuth: typeof Swagger.ApiBearerAuth = swagger?.ApiBearerAuth ?? nothing;
export const ApiBody: typeof Swagger.ApiBody = swagger?.ApiBody ?? nothing;
export const ApiConsumes: typeof Swagger.ApiConsumes = swagger?.ApiConsumes ?? nothing;
export const ApiExcludeController: typeof Swagger.ApiExcludeController = swagger?.ApiExcludeController ?? nothing;
export const ApiHeader: typeof Swagger.ApiHeader = swagger?.ApiHeader ?? nothing;
export const ApiOperation: typeof Swagger.ApiOperation = swagger?.ApiOperation ?? nothing;
export const ApiProduces: typeof Swagger.ApiProduces = swagger?.ApiProduces ?? nothing;
export const ApiProperty: typeof Swagger.ApiProperty = swagger?.ApiProperty ?? nothing;
export const ApiPropertyOptional: typeof Swagger.ApiPropertyOptional = swagger?.ApiPropertyOptional ?? nothing;
export const ApiTags: typeof Swagger.ApiTags = swagger?.ApiTags ?? nothing;
