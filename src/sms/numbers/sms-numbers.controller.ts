import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  PayloadTooLargeException,
  Post,
  Req,
  UnsupportedMediaTypeException,
  UploadedFile,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiTags } from '../core/api-docs';
import type { Request } from 'express';
import { AdminOnlyGuard, CurrentCaller, type SmsCaller, SmsCallerGuard } from '../auth/caller';
import { NumberImports } from './number-imports.service';
import { CreateSmsNumberDto, toNumberImportResponse, toSmsNumberResponse, UpdateSmsNumberDto } from './sms-number.dto';
import { SmsNumbersService } from './sms-numbers.service';

/** Largest bulk assignment file. */
const MAX_CSV_BYTES = 1024 * 1024;

@ApiTags('sms numbers')
@ApiBearerAuth()
@UseGuards(SmsCallerGuard)
@Controller('sms/numbers')
export class SmsNumbersController {
  constructor(
    private readonly numbers: SmsNumbersService,
    private readonly imports: NumberImports,
  ) {}

  @Post()
  @UseGuards(AdminOnlyGuard)
  async add(@CurrentCaller() caller: SmsCaller, @Body() body: CreateSmsNumberDto) {
    const { kind, userId, teamId, memberIds, ...number } = body;
    return toSmsNumberResponse(
      await this.numbers.addAssigned(caller.accountId, number, { kind, userId, teamId, memberIds }, caller.userId),
    );
  }

  @Get()
  async list(@CurrentCaller() caller: SmsCaller) {
    return (await this.numbers.list(caller.accountId)).map(toSmsNumberResponse);
  }

  /** The numbers the caller may choose as `fromNumberId` (verified or not: unverified ones are refused when used). */
  @Get('mine')
  async mine(@CurrentCaller() caller: SmsCaller) {
    return (await this.numbers.usableBy(caller)).map(toSmsNumberResponse);
  }

  /**
   * Bulk assignment: a CSV file (`number,user_email` or `number,team`, optional `label`) as the body with
   * `Content-Type: text/csv`, or as the `file` field of a multipart form. Good lines apply; refused ones come back
   * with their line and reason and as a downloadable error log.
   */
  @Post('bulk')
  @UseGuards(AdminOnlyGuard)
  @UseInterceptors(FileInterceptor('file', { limits: { fileSize: MAX_CSV_BYTES, files: 1 } }))
  @ApiConsumes('text/csv', 'multipart/form-data')
  @ApiBody({ schema: { type: 'string', example: 'number,user_email\n+12025550100,dana@example.com\n' } })
  async bulk(@CurrentCaller() caller: SmsCaller, @Req() request: Request, @UploadedFile() file?: { buffer: Buffer }) {
    const text = file ? file.buffer.toString('utf8') : await readCsvBody(request);
    const outcome = await this.imports.apply(caller.accountId, caller.userId, text);
    return toNumberImportResponse(outcome.import, outcome.applied);
  }

  @Get('bulk/:importId')
  @UseGuards(AdminOnlyGuard)
  async bulkResult(@CurrentCaller() caller: SmsCaller, @Param('importId', ParseUUIDPipe) importId: string) {
    return toNumberImportResponse(await this.imports.get(caller.accountId, importId));
  }

  @Get('bulk/:importId/errors')
  @UseGuards(AdminOnlyGuard)
  @Header('Content-Type', 'text/csv; charset=utf-8')
  @Header('Content-Disposition', 'attachment; filename="number-assignment-errors.csv"')
  errorLog(@CurrentCaller() caller: SmsCaller, @Param('importId', ParseUUIDPipe) importId: string) {
    return this.imports.errorLog(caller.accountId, importId);
  }

  @Get(':id')
  async get(@CurrentCaller() caller: SmsCaller, @Param('id', ParseUUIDPipe) id: string) {
    return toSmsNumberResponse(await this.numbers.get(caller.accountId, id));
  }

  @Patch(':id')
  @UseGuards(AdminOnlyGuard)
  async update(
    @CurrentCaller() caller: SmsCaller,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateSmsNumberDto,
  ) {
    return toSmsNumberResponse(await this.numbers.update(caller.accountId, id, body, caller.userId));
  }

  /** Asks the provider again whether the number is ours. */
  @Post(':id/verify')
  @HttpCode(200)
  @UseGuards(AdminOnlyGuard)
  async verify(@CurrentCaller() caller: SmsCaller, @Param('id', ParseUUIDPipe) id: string) {
    return toSmsNumberResponse(await this.numbers.verify(caller.accountId, id));
  }

  /** The number leaves the account; its conversations and texts stay. */
  @Delete(':id')
  @HttpCode(204)
  @UseGuards(AdminOnlyGuard)
  async remove(@CurrentCaller() caller: SmsCaller, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.numbers.remove(caller.accountId, id);
  }
}

/** The raw `text/csv` body (the app parses JSON and forms only), at most MAX_CSV_BYTES. */
async function readCsvBody(request: Request): Promise<string> {
  const type = request.headers['content-type'] ?? '';
  if (!/^text\/(csv|plain)\b/i.test(type)) {
    throw new UnsupportedMediaTypeException(
      'Send the file as the body with Content-Type: text/csv, or as the "file" field of a multipart/form-data upload',
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_CSV_BYTES)
      throw new PayloadTooLargeException(`The file is larger than ${MAX_CSV_BYTES / 1024} KB; split it`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
