import type { SmsMedia } from '../media/sms-media.entity';
import { replyAttachments, replyCommentBody } from './reply-comment';

function item(position: number, changes: Partial<SmsMedia>): SmsMedia {
  return {
    position,
    status: 'stored',
    contentType: 'image/jpeg',
    size: 1000,
    storageKey: `inbound/a/m/${position}.jpg`,
    thumbnailKey: `inbound/a/m/${position}-thumb.jpg`,
    thumbnailContentType: 'image/jpeg',
    rejectionReason: null,
    rejectionDetail: null,
    ...changes,
  } as SmsMedia;
}

describe('reply comment', () => {
  const media = [
    item(1, {}),
    item(0, {}),
    item(2, {
      status: 'rejected',
      rejectionReason: 'not_an_image',
      rejectionDetail: 'the file is a PDF document, not a picture',
      storageKey: null,
    }),
    item(3, {
      status: 'rejected',
      rejectionReason: 'host_not_allowed',
      rejectionDetail: 'the media link points to evil.example',
      storageKey: null,
    }),
  ];

  it('holds the text and says, in plain words, which items were left out and why', () => {
    expect(replyCommentBody('  Still broken, see photos  ', media)).toBe(
      'Still broken, see photos\n\n' +
        'Attachment 3 of 4 was left out: the file is a PDF document, not a picture.\n' +
        "Attachment 4 of 4 was left out: it did not come from our SMS provider's media server, so it was not downloaded.",
    );
  });

  it('is just the text when everything was stored, and just the notes when there was no text', () => {
    expect(replyCommentBody('Hello', [item(0, {})])).toBe('Hello');
    expect(replyCommentBody('', [item(0, { status: 'rejected', rejectionReason: 'download_failed' })])).toBe(
      'Attachment 1 of 1 was left out: it could not be downloaded from our SMS provider.',
    );
  });

  it('attaches the stored pictures in the order they were sent', () => {
    expect(replyAttachments(media)).toEqual([
      {
        fileName: 'photo-1.jpg',
        contentType: 'image/jpeg',
        size: 1000,
        storageKey: 'inbound/a/m/0.jpg',
        thumbnailKey: 'inbound/a/m/0-thumb.jpg',
        thumbnailContentType: 'image/jpeg',
      },
      {
        fileName: 'photo-2.jpg',
        contentType: 'image/jpeg',
        size: 1000,
        storageKey: 'inbound/a/m/1.jpg',
        thumbnailKey: 'inbound/a/m/1-thumb.jpg',
        thumbnailContentType: 'image/jpeg',
      },
    ]);
  });
});
