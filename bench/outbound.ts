/**
 * Outbound: ticket updates with an SMS text → the provider's request received, through the API, the
 * outbox, BullMQ and the Twilio SDK against a local fake Twilio. Baseline in the same run: a bare BullMQ
 * worker processing no-op jobs on the same Redis.
 */
import { Queue, Worker } from 'bullmq';
import { FakeTwilio } from '../test/fakes/fake-twilio';
import { createAccount, fmt, json, median, percentile, pool, REDIS_URL, startService } from './support';

const UPDATES = Number(process.env.BENCH_OUTBOUND_COUNT ?? 3000);
const CONCURRENCY = 64;
const TICKETS = 64;

async function bareBullmqJobsPerSecond(count: number): Promise<number> {
  const connection = { url: REDIS_URL, maxRetriesPerRequest: null };
  const prefix = `bench-bare-${process.pid}`;
  const queue = new Queue('noop', { connection, prefix });
  let done = 0;
  let finished: () => void = () => undefined;
  const allDone = new Promise<void>((r) => (finished = r));
  const worker = new Worker('noop', async () => undefined, { connection, prefix, concurrency: 50 });
  worker.on('completed', () => {
    if (++done === count) finished();
  });
  await worker.waitUntilReady();
  const started = performance.now();
  for (let i = 0; i < count; i += 500) {
    await queue.addBulk(Array.from({ length: Math.min(500, count - i) }, (_, j) => ({ name: 'noop', data: { i: i + j }, opts: { removeOnComplete: true } })));
  }
  await allDone;
  const rate = count / ((performance.now() - started) / 1000);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return rate;
}

export async function benchOutbound(): Promise<Record<string, number>> {
  const fake = await FakeTwilio.start();
  const svc = await startService('outbound', {
    SMS_PROVIDER: 'twilio',
    TWILIO_ACCOUNT_SID: fake.accountSid,
    TWILIO_AUTH_TOKEN: fake.authToken,
    TWILIO_API_URL: fake.url,
    WORKER_CONCURRENCY: '50',
  });
  try {
    const { token } = await createAccount(svc.port);
    // Only numbers Twilio lists as the service's are verified and send.
    fake.ownNumber('+12025550100');
    await json(svc.port, 'POST', '/api/sms/numbers', token, { number: '+12025550100', label: 'Bench' });
    // Old enough to buy credits; where credits exist, buy enough for the run.
    await json(svc.port, 'POST', '/api/sms/credits/purchases', token, { packs: Math.ceil((UPDATES + TICKETS) / 2500) + 1 });
    const tickets: string[] = [];
    for (let i = 0; i < TICKETS; i++) {
      const customer = JSON.parse(
        (await json(svc.port, 'POST', '/api/customers', token, { name: `Customer ${i}`, phones: [{ number: `+1201555${String(1000 + i).padStart(4, '0')}`, type: 'mobile' }] })).body,
      ) as { id: string };
      tickets.push(JSON.parse((await json(svc.port, 'POST', '/api/tickets', token, { customerId: customer.id, subject: 'Bench', problem: 'Bench' })).body).id);
    }
    while (fake.sentMessages().length < TICKETS) await new Promise((r) => setTimeout(r, 50));

    const startedAt = new Map<string, number>();
    const wallStart = Date.now();
    await pool(UPDATES, CONCURRENCY, async (i) => {
      const marker = `bench-${i}`;
      startedAt.set(marker, Date.now());
      const res = await json(svc.port, 'POST', `/api/tickets/${tickets[i % TICKETS]}/updates`, token, { smsBody: `Update ${marker} on your ticket` });
      if (res.status !== 201) throw new Error(`update ${i}: ${res.status} ${res.body}`);
    });
    const apiDone = Date.now();
    const deadline = Date.now() + 120_000;
    let received = fake.sentMessages().filter((m) => m.body.includes('bench-'));
    while (received.length < UPDATES && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      received = fake.sentMessages().filter((m) => m.body.includes('bench-'));
    }
    const latencies = received.map((m) => m.request.time - (startedAt.get(/bench-\d+/.exec(m.body)![0]) ?? m.request.time));
    const last = Math.max(...received.map((m) => m.request.time));
    const duplicates = received.length - new Set(received.map((m) => m.body)).size;
    const rate = received.length / ((last - wallStart) / 1000);
    const bare = await bareBullmqJobsPerSecond(20000);
    const figures = {
      updates: UPDATES,
      receivedByProvider: received.length,
      duplicates,
      apiUpdatesPerSecond: UPDATES / ((apiDone - wallStart) / 1000),
      smsPerSecond: rate,
      p50Ms: median(latencies),
      p95Ms: percentile(latencies, 95),
      bareBullmqJobsPerSecond: bare,
    };
    console.log(
      `outbound: ${received.length}/${UPDATES} SMS reached the provider (${duplicates} duplicates); ` +
        `${fmt(rate)} SMS/s end to end (update → provider request), p50 ${fmt(figures.p50Ms)} ms, p95 ${fmt(figures.p95Ms)} ms; ` +
        `API accepted ${fmt(figures.apiUpdatesPerSecond)} updates/s. Baseline, bare BullMQ no-op jobs: ${fmt(bare)} jobs/s ` +
        `(ratio ${fmt(rate / bare, 3)}).`,
    );
    return figures;
  } finally {
    await svc.stop();
    await fake.close();
  }
}

if (require.main === module) {
  benchOutbound().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
