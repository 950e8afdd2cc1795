import {
  flowrouteErrorDetail,
  fromFlowrouteNumber,
  fromFlowrouteReceipt,
  parseFlowrouteInbound,
  parseFlowrouteReceipt,
  toFlowrouteNumber,
} from './flowroute-wire';

describe('Flowroute numbers', () => {
  it('sends North American numbers as 11 digits without +, and nothing else', () => {
    expect(toFlowrouteNumber('+12015550123')).toBe('12015550123');
    expect(toFlowrouteNumber('+447700900123')).toBeNull();
    expect(toFlowrouteNumber('2015550123')).toBeNull();
  });

  it('reads 11 digits, 10 digits or E.164 back as E.164', () => {
    expect(fromFlowrouteNumber('12015550123')).toBe('+12015550123');
    expect(fromFlowrouteNumber('2015550123')).toBe('+12015550123');
    expect(fromFlowrouteNumber('+12015550123')).toBe('+12015550123');
    expect(fromFlowrouteNumber('not a number')).toBeNull();
    expect(fromFlowrouteNumber('123')).toBeNull();
  });
});

describe('parseFlowrouteInbound', () => {
  const mms = {
    data: {
      id: 'mdr2-abc',
      type: 'message',
      attributes: {
        body: null,
        direction: 'inbound',
        from: '12015550123',
        to: '12025550100',
        is_mms: true,
        timestamp: '2026-03-02T15:04:05.00Z',
      },
      relationships: { media: { data: [{ id: 'abc-1', type: 'media' }] } },
    },
    included: [
      {
        id: 'abc-1',
        type: 'media',
        attributes: {
          file_name: 'IMG_0001.jpg',
          file_size: 14832,
          mime_type: 'image/JPEG',
          url: 'https://s3.us-west-2.amazonaws.com/flowroute-messaging-media/abc',
        },
      },
      { id: 'other', type: 'media', attributes: { url: 'https://elsewhere.example/x' } },
    ],
  };

  it('reads an MMS with its linked media, an empty text for a null body, and E.164 numbers', () => {
    const sut = parseFlowrouteInbound(mms);
    expect(sut).toEqual({
      ok: true,
      value: {
        providerMessageId: 'mdr2-abc',
        from: '+12015550123',
        to: '+12025550100',
        body: '',
        media: [
          {
            url: 'https://s3.us-west-2.amazonaws.com/flowroute-messaging-media/abc',
            contentType: 'image/jpeg',
            size: 14832,
            fileName: 'IMG_0001.jpg',
          },
        ],
        receivedAt: new Date('2026-03-02T15:04:05Z'),
      },
    });
  });

  it('reads an SMS without media', () => {
    const sut = parseFlowrouteInbound({
      data: {
        id: 'mdr2-1',
        type: 'message',
        attributes: { body: 'STOP', from: '12015550123', to: '12025550100', is_mms: false },
      },
    });
    expect(sut.ok && sut.value).toMatchObject({ body: 'STOP', media: [] });
  });

  it('says what is wrong with a malformed body', () => {
    expect(parseFlowrouteInbound({ to: '1', from: '2', body: 'legacy v1 shape' })).toEqual({
      ok: false,
      reason: expect.stringMatching(/data\.attributes/),
    });
    expect(parseFlowrouteInbound({ data: { attributes: { from: '12015550123', to: '12025550100' } } })).toEqual({
      ok: false,
      reason: expect.stringMatching(/data\.id/),
    });
    expect(parseFlowrouteInbound({ data: { id: 'x', attributes: { from: 'abc', to: '12025550100' } } })).toEqual({
      ok: false,
      reason: expect.stringMatching(/phone numbers/),
    });
  });
});

describe('parseFlowrouteReceipt and fromFlowrouteReceipt', () => {
  it('reads a delivery receipt', () => {
    const body = {
      data: {
        id: 'mdr2-abc',
        type: 'delivery_receipt',
        attributes: {
          level: 2,
          status: 'delivered',
          status_code: '1000',
          status_code_description: 'Delivered to handset',
        },
      },
    };
    expect(parseFlowrouteReceipt(body)).toEqual({
      ok: true,
      value: {
        providerMessageId: 'mdr2-abc',
        level: 2,
        status: 'delivered',
        statusCode: '1000',
        description: 'Delivered to handset',
      },
    });
    expect(parseFlowrouteReceipt({ data: { id: 'x', type: 'message', attributes: {} } })).toEqual({
      ok: false,
      reason: expect.stringMatching(/delivery_receipt/),
    });
  });

  it.each([
    [1, 'message buffered', 'sent'],
    [1, 'smsc submit', 'sent'],
    [1, 'delivered', 'sent'],
    [1, 'smsc reject', 'failed'],
    [2, 'delivered', 'delivered'],
    [2, 'Delivered', 'delivered'],
    [2, 'undelivered', 'undelivered'],
    [2, 'expired', 'undelivered'],
    [2, 'rejected', 'undelivered'],
    [2, 'something new', null],
  ])('level %i "%s" → %s', (level, status, expected) => {
    expect(fromFlowrouteReceipt({ level, status })).toBe(expected);
  });
});

describe('flowrouteErrorDetail', () => {
  it('takes the first detail of an error array', () => {
    expect(
      flowrouteErrorDetail({ errors: [{ id: '1', status: 400, title: 'Bad Request', detail: "'to' is invalid" }] }),
    ).toBe("'to' is invalid");
    expect(flowrouteErrorDetail({ errors: [{ title: 'Unauthorized' }] })).toBe('Unauthorized');
    expect(flowrouteErrorDetail('<html>')).toBeNull();
  });
});
