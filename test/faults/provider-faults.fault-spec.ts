import { FaultLab } from './support/fault-lab';
import { sendUpdates } from './support/load';
import { expectExact, reconcile, settle } from './support/reconcile';
import { expectAllAnswered201, LOAD, report, seedHelpdesk, whenProviderHas } from './support/scenario';

describe('fault: the provider answers 429 and 500 in bursts and times out', () => {
  let lab: FaultLab;

  beforeAll(async () => {
    lab = await FaultLab.start('provider-faults');
  });

  afterAll(() => lab?.stop());

  it('sends every SMS exactly once: 429s are retried, ambiguous 500s and timeouts are looked up before any resend', async () => {
    const api = await lab.service('api');
    await lab.service('worker');
    const account = await seedHelpdesk(lab, api.port);
    const twilio = lab.twilio;

    const load = sendUpdates({ ports: [api.port], account, count: LOAD.updates, label: 'provider' });
    // Bursts in the provider's answer order; each begins once the provider has created so many messages.
    const bursts: [number, () => void][] = [
      [250, () => twilio.failNext(40, { status: 429 })],
      [500, () => twilio.failNext(25, { status: 500 })],
      [800, () => twilio.failNext(25, { status: 500, createdAnyway: true })],
      [1100, () => twilio.hangNext(10, { createdAnyway: true }).hangNext(10)],
      [
        1400,
        () =>
          twilio
            .failNext(15, { status: 503, createdAnyway: true })
            .failNext(30, { status: 429 })
            .failNext(15, { status: 500 }),
      ],
    ];
    for (const [at, inject] of bursts) {
      await whenProviderHas(lab, at);
      inject();
    }

    const outcomes = await load;
    expectAllAnswered201(lab, outcomes);
    await settle(lab, 150_000);
    const attempts = twilio.sendAttempts();
    const answered = (status: number) => attempts.filter((a) => a.status === status).length;
    const createdAnyway = twilio.sentMessages().filter((m) => m.responseStatus !== 201).length;
    report(
      'provider-faults',
      `${attempts.length} send requests for the texts: ${answered(429)} answered 429, ${answered(500) + answered(503)} answered 500/503, ` +
        `${attempts.filter((a) => a.hung).length} timed out; ${createdAnyway} of the failed ones had created the message anyway`,
    );
    expect(answered(429)).toBe(70);
    expect(answered(500) + answered(503)).toBe(80);
    expect(attempts.filter((a) => a.hung)).toHaveLength(20);
    expectExact(await reconcile(lab, 'provider-faults', outcomes), lab);
  });
});
