import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, IsNull, Repository } from 'typeorm';
import type { InboundMediaItem } from '../messages/sms-message.entity';
import { SmsMessage } from '../messages/sms-message.entity';
import { SMS_MODULE_OPTIONS, type ResolvedSmsOptions } from '../sms.options';
import { AcceptedImageType, ImagePipeline, MESSAGE_PIXEL_BUDGET } from './image-pipeline';
import { MEDIA_FETCH_DEFAULTS, MediaFetchFailureReason, megabytes } from './media-fetcher';
import { type InboundMediaSource, providerMediaSources } from '../providers/provider-media';
import { MediaStorage } from './media-storage';
import { SmsMedia } from './sms-media.entity';

export type MediaRejectionReason =
  | 'not_an_image'
  | 'unsupported_type'
  | 'too_many_pixels'
  | 'corrupt'
  | 'too_large'
  | 'host_not_allowed'
  | 'address_not_allowed'
  | 'download_failed';

type Download =
  { ok: true; bytes: Buffer } | { ok: false; reason: MediaRejectionReason; detail: string; retryable: boolean };

const EXTENSION: Record<AcceptedImageType, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

function downloadReason(reason: MediaFetchFailureReason): MediaRejectionReason {
  return reason === 'too_large' || reason === 'host_not_allowed' || reason === 'address_not_allowed'
    ? reason
    : 'download_failed';
}

/**
 * Turns each MMS item into a media row: downloaded only from the provider's own API host (credentials never
 * follow a redirect elsewhere), capped in bytes and pixels, cleaned by the image pipeline and stored under
 * STORAGE_DIR; or rejected with a reason in plain words. The row is the idempotency key: a re-run returns it.
 */
@Injectable()
export class InboundMediaService {
  private readonly logger = new Logger(InboundMediaService.name);
  private readonly pipeline = new ImagePipeline();
  private readonly maxBytes: number;
  /** Each provider's media hosts and credentials, by provider name. */
  private readonly sources: ReadonlyMap<string, InboundMediaSource>;

  constructor(
    @InjectRepository(SmsMedia) private readonly media: Repository<SmsMedia>,
    @InjectRepository(SmsMessage) private readonly messages: Repository<SmsMessage>,
    private readonly storage: MediaStorage,
    @Inject(SMS_MODULE_OPTIONS) options: ResolvedSmsOptions,
  ) {
    this.maxBytes = options.mediaMaxBytes ?? MEDIA_FETCH_DEFAULTS.maxBytes;
    this.sources = providerMediaSources(options);
  }

  /**
   * Stores item `position` of an inbound message and returns its row (null when there is no such item).
   * Throws only for a failure worth retrying (network, 5xx, media not there yet) while retries remain;
   * on the last attempt the item is rejected instead, so the comment can say why it is missing.
   */
  async store(messageId: string, position: number, lastAttempt: boolean): Promise<SmsMedia | null> {
    const message = await this.messages.findOne({
      where: { id: messageId, direction: 'inbound' },
      select: { id: true, accountId: true, provider: true, inboundMedia: true },
    });
    const item = message?.inboundMedia?.[position];
    if (!message || !item) return null;
    await this.media
      .createQueryBuilder()
      .insert()
      .into(SmsMedia)
      .values({
        accountId: message.accountId,
        messageId,
        position,
        sourceUrl: item.url,
        declaredContentType: item.contentType,
      })
      .orIgnore()
      .execute();
    const row = await this.media.findOneByOrFail({ messageId, position });
    if (row.status !== 'pending') return row;

    const download = await this.download(message.provider, item);
    if (!download.ok) {
      if (download.retryable && !lastAttempt)
        throw new Error(`MMS item ${position + 1} not downloaded yet: ${download.detail}`);
      return this.finish(
        row,
        { status: 'rejected', rejectionReason: download.reason, rejectionDetail: download.detail },
        item,
      );
    }
    const processed = await this.pipeline.process(download.bytes, await this.pixelAllowance(messageId, position));
    if (!processed.ok) {
      return this.finish(
        row,
        {
          status: 'rejected',
          rejectionReason: processed.rejection.reason,
          rejectionDetail: processed.rejection.detail,
        },
        item,
      );
    }
    const { image } = processed;
    const base = `inbound/${message.accountId}/${messageId}/${position}`;
    const storageKey = `${base}.${EXTENSION[image.contentType]}`;
    const thumbnailKey = `${base}-thumb.${image.thumbnailContentType === 'image/png' ? 'png' : 'jpg'}`;
    // Same keys on a re-run: the files are replaced, never added.
    await this.storage.write(storageKey, image.original);
    await this.storage.write(thumbnailKey, image.thumbnail);
    return this.finish(
      row,
      {
        status: 'stored',
        contentType: image.contentType,
        size: image.original.length,
        width: image.width,
        height: image.height,
        storageKey,
        thumbnailKey,
        thumbnailContentType: image.thumbnailContentType,
      },
      item,
    );
  }

  /** What the message's other stored pictures leave of MESSAGE_PIXEL_BUDGET. */
  private async pixelAllowance(messageId: string, position: number): Promise<number> {
    const [row] = await this.media.query<Array<{ used: string | null }>>(
      `SELECT sum(width::bigint * height) AS used FROM sms_media WHERE message_id = $1 AND position <> $2 AND status = 'stored'`,
      [messageId, position],
    );
    return MESSAGE_PIXEL_BUDGET - Number(row?.used ?? 0);
  }

  forMessage(messageId: string, tx?: EntityManager): Promise<SmsMedia[]> {
    return (tx ? tx.getRepository(SmsMedia) : this.media).find({ where: { messageId }, order: { position: 'ASC' } });
  }

  /** Items whose job gave up without a result (after every retry) are rejected, so the comment names them. */
  async rejectUnfinished(
    message: Pick<SmsMessage, 'id' | 'accountId' | 'inboundMedia'>,
    detail: string,
    tx?: EntityManager,
  ): Promise<void> {
    const repo = tx ? tx.getRepository(SmsMedia) : this.media;
    const items = message.inboundMedia ?? [];
    const rejected = { status: 'rejected' as const, rejectionReason: 'download_failed', rejectionDetail: detail };
    if (items.length > 0) {
      await repo
        .createQueryBuilder()
        .insert()
        .into(SmsMedia)
        .values(
          items.map((item, position) => ({
            accountId: message.accountId,
            messageId: message.id,
            position,
            sourceUrl: item.url,
            declaredContentType: item.contentType,
            ...rejected,
          })),
        )
        .orIgnore()
        .execute();
    }
    await repo.update({ messageId: message.id, status: 'pending' }, rejected);
  }

  /** Best effort, after the comment is committed: our copy is kept, the provider's goes. */
  async deleteAtProvider(message: Pick<SmsMessage, 'id' | 'provider'>): Promise<number> {
    const source = message.provider ? this.sources.get(message.provider) : undefined;
    if (!source?.delete) return 0;
    const rows = await this.media.find({
      where: { messageId: message.id, status: In(['stored', 'rejected']), providerDeletedAt: IsNull() },
    });
    let deleted = 0;
    for (const row of rows) {
      if (!row.sourceUrl || row.rejectionReason === 'host_not_allowed') continue;
      try {
        if (!(await source.delete(row.sourceUrl))) continue;
        await this.media.update({ id: row.id }, { providerDeletedAt: new Date() });
        deleted++;
      } catch (e) {
        this.logger.warn(
          { messageId: message.id, position: row.position, err: (e as Error).message },
          'could not delete MMS media at the provider',
        );
      }
    }
    return deleted;
  }

  private async download(provider: string | null, item: InboundMediaItem): Promise<Download> {
    if (item.uploadKey) {
      // Bytes posted to the sandbox were stored by the request; nothing is fetched over HTTP.
      if (provider !== 'sandbox')
        return {
          ok: false,
          reason: 'host_not_allowed',
          detail: 'an upload is only accepted from the sandbox',
          retryable: false,
        };
      const bytes = await this.storage.read(item.uploadKey).catch(() => null);
      if (!bytes)
        return {
          ok: false,
          reason: 'download_failed',
          detail: 'the uploaded file is no longer there',
          retryable: false,
        };
      if (bytes.length > this.maxBytes) {
        return {
          ok: false,
          reason: 'too_large',
          detail: `the file is ${megabytes(bytes.length)}, more than the ${megabytes(this.maxBytes)} limit`,
          retryable: false,
        };
      }
      return { ok: true, bytes };
    }
    const source = provider ? this.sources.get(provider) : undefined;
    if (!source || !item.url) {
      return {
        ok: false,
        reason: 'host_not_allowed',
        detail: `there is no media host configured for ${provider ?? 'this provider'}`,
        retryable: false,
      };
    }
    const result = await source.fetch(item.url);
    if (result.ok) return { ok: true, bytes: result.bytes };
    // A provider's media can 404 for a while after the webhook: worth another try later, not only the fetcher's own.
    return {
      ok: false,
      reason: downloadReason(result.reason),
      detail: result.detail,
      retryable: result.retryable || result.reason === 'not_found',
    };
  }

  private async finish(row: SmsMedia, changes: Partial<SmsMedia>, item: InboundMediaItem): Promise<SmsMedia> {
    await this.media.update({ id: row.id, status: 'pending' }, changes);
    // The raw upload may still carry GPS and the like; only the cleaned copy stays.
    if (item.uploadKey) await this.storage.remove(item.uploadKey);
    return this.media.findOneByOrFail({ id: row.id });
  }
}
