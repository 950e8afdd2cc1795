import { FakeTwilio, rfc2822 } from '../fakes/fake-twilio';
import { OutboundSms } from '../../src/sms/providers/sms-provider';
import { TwilioProvider } from '../../src/sms/providers/twilio/twilio.provider';

const TO = '+12015550123';
const FROM = '+12025550100';

/** The lookup that decides, after an ambiguous send, whether a text went out: it must never claim another row's message. */
describe('Twilio lookup after an ambiguous send', () => {
  let twilio: FakeTwilio;
  let sut: TwilioProvider;

  const text = (messageId: string, body: string): OutboundSms => ({
    messageId,
    accountId: 'acct',
    to: TO,
    from: FROM,
    body,
  });
  const since = () => new Date(Date.now() - 5_000);

  beforeAll(async () => {
    twilio = await FakeTwilio.start();
    sut = new TwilioProvider(
      {
        accountSid: twilio.accountSid,
        authToken: twilio.authToken,
        apiUrl: twilio.url,
        timeoutMs: 2000,
      },
      'https://faults.ticket-sms.test',
    );
  });

  afterAll(() => twilio?.close());

  beforeEach(() => twilio.reset());

  it('skips a message with the same text that another row already owns', async () => {
    const first = await sut.send(text('row-1', '(2/3) Bring the old laptop and its charger'));
    const second = await sut.send(text('row-2', '(2/3) Bring the old laptop and its charger'));
    const taken = new Set([second.providerMessageId]);

    const found = await sut.findSent(
      text('row-3', '(2/3) Bring the old laptop and its charger'),
      since(),
      async (sid) => taken.has(sid),
    );

    expect(found?.providerMessageId).toBe(first.providerMessageId);
    taken.add(first.providerMessageId);
    await expect(
      sut.findSent(text('row-3', '(2/3) Bring the old laptop and its charger'), since(), async (sid) => taken.has(sid)),
    ).resolves.toBeNull();
  });

  it('finds the text behind more than one page of newer texts to the same number', async () => {
    const wanted = await sut.send(text('row-1', 'Your laptop is ready'));
    for (let i = 0; i < 75; i++) await sut.send(text(`later-${i}`, `Later text ${i}`));

    const found = await sut.findSent(text('row-1', 'Your laptop is ready'), since(), async () => false);

    expect(found?.providerMessageId).toBe(wanted.providerMessageId);
  });

  it('does not take a message with the same text sent before this row was handed over', async () => {
    const old = await sut.send(text('row-0', 'On my way'));
    twilio.updateMessage(old.providerMessageId, { date_created: rfc2822(new Date(Date.now() - 10 * 60_000)) });

    await expect(sut.findSent(text('row-1', 'On my way'), since(), async () => false)).resolves.toBeNull();
  });
});
