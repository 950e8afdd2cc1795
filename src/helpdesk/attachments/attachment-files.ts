import { Injectable, NotFoundException, StreamableFile } from '@nestjs/common';
import type { Response } from 'express';
import { MediaStorage } from '../../sms';
import type { Attachment } from '../tickets/attachment.entity';

export type AttachmentVariant = 'original' | 'thumbnail';

// Types a browser may show inline; anything else (and SVG, which can carry script) downloads.
const INLINE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/** Streams an attachment's file with headers that keep customer-supplied bytes inert in a browser. */
@Injectable()
export class AttachmentFiles {
  constructor(private readonly storage: MediaStorage) {}

  async stream(attachment: Attachment, variant: AttachmentVariant, res: Response): Promise<StreamableFile> {
    const key = variant === 'thumbnail' ? attachment.thumbnailKey : attachment.storageKey;
    const type = variant === 'thumbnail' ? attachment.thumbnailContentType : attachment.contentType;
    if (!key || !type) throw new NotFoundException('This attachment has no thumbnail');
    const file = await this.storage.open(key);
    if (!file) throw new NotFoundException('The file of this attachment is missing');
    const inline = INLINE_TYPES.has(type);
    const name = (variant === 'thumbnail' ? `thumbnail-${attachment.fileName}` : attachment.fileName).replace(
      /[^\w.-]/g,
      '_',
    );
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    res.setHeader('Cache-Control', 'private, max-age=3600');
    return new StreamableFile(file.stream, {
      type: inline ? type : 'application/octet-stream',
      length: file.size,
      disposition: `${inline ? 'inline' : 'attachment'}; filename="${name}"`,
    });
  }
}
