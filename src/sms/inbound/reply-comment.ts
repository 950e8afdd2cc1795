import type { SmsMedia } from '../media/sms-media.entity';
import type { StoredAttachment } from '../ports/ticket-gateway.port';

const EXTENSION: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

/** Why an item is missing, in words a customer reading the portal understands. */
function leftOutBecause(item: SmsMedia): string {
  switch (item.rejectionReason) {
    case 'host_not_allowed':
      return "it did not come from our SMS provider's media server, so it was not downloaded";
    case 'address_not_allowed':
      return "it led away from our SMS provider's media server to a private address, so it was not downloaded";
    case 'download_failed':
      return 'it could not be downloaded from our SMS provider';
    default:
      return item.rejectionDetail ?? 'it could not be used';
  }
}

/** The comment text: what the customer wrote, then one line for each item left out and why. */
export function replyCommentBody(text: string, media: SmsMedia[]): string {
  const total = media.length;
  const leftOut = media
    .filter((m) => m.status !== 'stored')
    .map((m) => `Attachment ${m.position + 1} of ${total} was left out: ${leftOutBecause(m)}.`);
  return [text.trim(), leftOut.join('\n')].filter((part) => part.length > 0).join('\n\n');
}

/** The stored pictures, in the order the customer sent them. */
export function replyAttachments(media: SmsMedia[]): StoredAttachment[] {
  return media
    .filter((m) => m.status === 'stored' && m.storageKey && m.contentType)
    .sort((a, b) => a.position - b.position)
    .map((m) => ({
      fileName: `photo-${m.position + 1}.${EXTENSION[m.contentType!] ?? 'bin'}`,
      contentType: m.contentType!,
      size: m.size ?? 0,
      storageKey: m.storageKey!,
      thumbnailKey: m.thumbnailKey,
      thumbnailContentType: m.thumbnailContentType,
    }));
}
