import { Controller, Get, NotFoundException, Param, ParseUUIDPipe, Res, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import type { Response } from 'express';
import { Repository } from 'typeorm';
import { SmsCaller } from '../../sms';
import { CurrentUser } from '../auth/current-user';
import { Attachment } from '../tickets/attachment.entity';
import { AttachmentFiles, AttachmentVariant } from './attachment-files';

/** A ticket's files for the account's users; another account's ids answer 404. */
@ApiTags('attachments')
@ApiBearerAuth()
@Controller('attachments')
export class AttachmentsController {
  constructor(
    @InjectRepository(Attachment) private readonly attachments: Repository<Attachment>,
    private readonly files: AttachmentFiles,
  ) {}

  @Get(':id')
  @ApiProduces('image/*', 'application/octet-stream')
  original(
    @CurrentUser() caller: SmsCaller,
    @Param('id', ParseUUIDPipe) id: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.send(caller, id, 'original', res);
  }

  @Get(':id/thumbnail')
  @ApiProduces('image/jpeg', 'image/png')
  thumbnail(
    @CurrentUser() caller: SmsCaller,
    @Param('id', ParseUUIDPipe) id: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.send(caller, id, 'thumbnail', res);
  }

  private async send(
    caller: SmsCaller,
    id: string,
    variant: AttachmentVariant,
    res: Response,
  ): Promise<StreamableFile> {
    const attachment = await this.attachments.findOne({ where: { accountId: caller.accountId, id } });
    if (!attachment) throw new NotFoundException('No such attachment in this account');
    return this.files.stream(attachment, variant, res);
  }
}
