import {
  fromTwilioStatus,
  parseTwilioInbound,
  parseTwilioStatusCallback,
  twilioStatusCallbackUrl,
} from './twilio-wire';

const SID = `SM${'a'.repeat(32)}`;

describe('Twilio statuses', () => {
  it('maps every status a message can report, in any case, onto ours', () => {
    expect(
      [
        'accepted',
        'scheduled',
        'queued',
        'sending',
        'sent',
        'delivered',
        'read',
        'undelivered',
        'failed',
        'canceled',
      ].map(fromTwilioStatus),
    ).toEqual([
      'accepted',
      'accepted',
      'queued',
      'sending',
      'sent',
      'delivered',
      'delivered',
      'undelivered',
      'failed',
      'failed',
    ]);
    expect(fromTwilioStatus('DELIVERED')).toBe('delivered');
  });

  it('says nothing for a status that is not about an outbound message', () => {
    expect(fromTwilioStatus('receiving')).toBeNull();
    expect(fromTwilioStatus('')).toBeNull();
  });
});

describe('parseTwilioStatusCallback', () => {
  it('reads the sid, the status and the error code, with the row id the URL carried', () => {
    expect(
      parseTwilioStatusCallback({ MessageSid: SID, MessageStatus: 'undelivered', ErrorCode: '30005' }, 'row-1'),
    ).toEqual({
      provider: 'twilio',
      providerMessageId: SID,
      messageId: 'row-1',
      status: 'undelivered',
      errorCode: '30005',
    });
  });

  it('takes the older SmsSid and SmsStatus names too', () => {
    expect(parseTwilioStatusCallback({ SmsSid: SID, SmsStatus: 'sent' }, undefined)).toMatchObject({
      providerMessageId: SID,
      status: 'sent',
      errorCode: null,
    });
  });

  it('refuses a callback without a sid, with a status it cannot place, or with an oversized sid', () => {
    expect(parseTwilioStatusCallback({ MessageStatus: 'sent' }, undefined)).toBeNull();
    expect(parseTwilioStatusCallback({ MessageSid: SID, MessageStatus: 'receiving' }, undefined)).toBeNull();
    expect(parseTwilioStatusCallback({ MessageSid: 'S'.repeat(65), MessageStatus: 'sent' }, undefined)).toBeNull();
  });
});

describe('parseTwilioInbound', () => {
  const form = {
    MessageSid: `MM${'b'.repeat(32)}`,
    From: '+12015550123',
    To: '+12025550100',
    Body: 'Still broken',
    NumMedia: '2',
    NumSegments: '1',
    MediaUrl0: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1',
    MediaContentType0: 'image/jpeg',
    MediaUrl1: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME2',
    MediaContentType1: 'image/png',
  };

  it('turns the form into the text every provider hands the receiver', () => {
    expect(parseTwilioInbound(form)).toEqual({
      ok: true,
      text: {
        provider: 'twilio',
        providerMessageId: form.MessageSid,
        from: '+12015550123',
        to: '+12025550100',
        body: 'Still broken',
        segments: 1,
        media: [
          { url: form.MediaUrl0, contentType: 'image/jpeg' },
          { url: form.MediaUrl1, contentType: 'image/png' },
        ],
      },
    });
  });

  it('lists every problem at once', () => {
    const parsed = parseTwilioInbound({ MessageSid: 'nope', From: ['+1', '+2'], NumMedia: '11' });
    expect(parsed).toEqual({
      ok: false,
      problems: [
        'From must be sent once',
        'MessageSid must be a Twilio message sid (two letters and 32 hex digits)',
        'From must be the sender phone number',
        'To must be a phone number',
        'NumMedia must be a whole number from 0 to 10',
      ],
    });
  });

  it('names a media link that NumMedia promises and the form lacks', () => {
    const { MediaUrl1: _missing, ...withoutSecond } = form;
    expect(parseTwilioInbound(withoutSecond)).toEqual({
      ok: false,
      problems: ['MediaUrl1 is missing although NumMedia is 2'],
    });
  });

  it('refuses a body that is not a form', () => {
    expect(parseTwilioInbound(undefined)).toEqual({
      ok: false,
      problems: ['the body must be form-encoded (application/x-www-form-urlencoded)'],
    });
  });
});

describe('twilioStatusCallbackUrl', () => {
  it("points at the module's Twilio status route with the row id", () => {
    expect(twilioStatusCallbackUrl('https://desk.example/sms', 'row-1')).toBe(
      'https://desk.example/sms/webhooks/twilio/status?m=row-1',
    );
  });
});
