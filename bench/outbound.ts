/**
 * Outbound: ticket updates with an SMS text → the provider's request received, through the API, the outbox, BullMQ,
 * the credit gate and the Twilio SDK against a local fake Twilio, in one `all` process. Two shapes:
 *  - one account: every send of the account takes its turn on the account's credit balance row (the ledger's lock);
 *  - 8 accounts sharing the load, as a multi-tenant service sees it.
 * Baseline in the same run: a bare BullMQ worker processing no-op jobs on the same Redis.
 */
import { Queue, Worker } from 'bullmq';
import { FakeTwilio } from '../test/fakes/fake-twilio';
import {
  addNumber,
  createAccount,
  grantCredits,
  CpuUsed,
  cpuPer,
  describeCpu,
  fmt,
  json,
  machineLoad,
  measureCpu,
  median,
  medianCpu,
  medianOf,
  percentile,
  pool,
  REDIS_URL,
  REPEATS,
  repeat,
  ServiceProcess,
  startService,
} from './support';
import { customerPhone } from './webhooks';

const UPDATES = Number(process.env.BENCH_OUTBOUND_COUNT ?? 1500);
const CONCURRENCY = 64;
const TICKETS = 64;

export interface OutboundRun {
  smsPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  apiUpdatesPerSecond: number;
  duplicates: number;
  /** Per SMS: the API's update and the send job together. */
  cpu: CpuUsed;
}

export interface OutboundFigures {
  oneAccount: OutboundRun;
  eightAccounts: OutboundRun;
  bareBullmqJobsPerSecond: number;
}

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
    await queue.addBulk(
      Array.from({ length: Math.min(500, count - i) }, (_, j) => ({
        name: 'noop',
        data: { i: i + j },
        opts: { removeOnComplete: true },
      })),
    );
  }
  await allDone;
  const rate = count / ((performance.now() - started) / 1000);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return rate;
}

interface Desk {
  token: string;
  tickets: string[];
}

/** `accounts` accounts with a number, credits and TICKETS tickets between them (their first SMS already sent). */
async function desks(svc: ServiceProcess, fake: FakeTwilio, accounts: number, firstNumber: number): Promise<Desk[]> {
  const before = fake.sentMessages().length;
  const out: Desk[] = [];
  for (let a = 0; a < accounts; a++) {
    const account = await createAccount(svc.port, `Bench IT ${a}`);
    const { token } = account;
    await addNumber(fake, svc.port, account, `+12025550${firstNumber + a}`);
    // Enough credits for every run, from the platform.
    await grantCredits(svc.port, account.id, (Math.ceil(((REPEATS + 1) * UPDATES + TICKETS) / 2500) + 1) * 2500);
    const tickets: string[] = [];
    for (let i = a; i < TICKETS; i += accounts) {
      const customer = JSON.parse(
        (
          await json(svc.port, 'POST', '/api/customers', token, {
            name: `Customer ${i}`,
            phones: [{ number: customerPhone(i), type: 'mobile' }],
          })
        ).body,
      ) as { id: string };
      tickets.push(
        JSON.parse(
          (
            await json(svc.port, 'POST', '/api/tickets', token, {
              customerId: customer.id,
              subject: 'Bench',
              problem: 'Bench',
            })
          ).body,
        ).id,
      );
    }
    out.push({ token, tickets });
  }
  while (fake.sentMessages().length < before + TICKETS) await new Promise((r) => setTimeout(r, 50));
  return out;
}

async function run(svc: ServiceProcess, fake: FakeTwilio, accounts: Desk[], tag: string): Promise<OutboundRun> {
  const startedAt = new Map<string, number>();
  const wallStart = Date.now();
  let apiDone = 0;
  const pattern = new RegExp(`${tag}-\\d+`);
  let received = fake.sentMessages().filter((m) => pattern.test(m.body));
  const { cpu } = await measureCpu([svc.child.pid!], svc.env.DATABASE_URL, async () => {
    await pool(UPDATES, CONCURRENCY, async (i) => {
      const marker = `${tag}-${i}`;
      const desk = accounts[i % accounts.length];
      startedAt.set(marker, Date.now());
      const res = await json(
        svc.port,
        'POST',
        `/api/tickets/${desk.tickets[Math.floor(i / accounts.length) % desk.tickets.length]}/updates`,
        desk.token,
        {
          smsBody: `Update ${marker} on your ticket`,
        },
      );
      if (res.status !== 201) throw new Error(`update ${i}: ${res.status} ${res.body}`);
    });
    apiDone = Date.now();
    const deadline = Date.now() + 300_000;
    while (received.length < UPDATES && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      received = fake.sentMessages().filter((m) => pattern.test(m.body));
    }
  });
  if (received.length < UPDATES)
    throw new Error(`outbound: only ${received.length} of ${UPDATES} reached the provider`);
  const latencies = received.map((m) => m.request.time - (startedAt.get(pattern.exec(m.body)![0]) ?? m.request.time));
  const last = Math.max(...received.map((m) => m.request.time));
  return {
    smsPerSecond: received.length / ((last - wallStart) / 1000),
    p50Ms: median(latencies),
    p95Ms: percentile(latencies, 95),
    apiUpdatesPerSecond: UPDATES / ((apiDone - wallStart) / 1000),
    duplicates: received.length - new Set(received.map((m) => m.body)).size,
    cpu: cpuPer(cpu, UPDATES),
  };
}

const summary = (runs: OutboundRun[]): OutboundRun => ({
  smsPerSecond: medianOf(runs, (x) => x.smsPerSecond),
  p50Ms: medianOf(runs, (x) => x.p50Ms),
  p95Ms: medianOf(runs, (x) => x.p95Ms),
  apiUpdatesPerSecond: medianOf(runs, (x) => x.apiUpdatesPerSecond),
  duplicates: Math.max(...runs.map((x) => x.duplicates)),
  cpu: medianCpu(runs, (x) => x.cpu),
});

const describe = (r: OutboundRun) =>
  `${fmt(r.smsPerSecond)} SMS/s (update → provider request), p50 ${fmt(r.p50Ms, 0)} ms, p95 ${fmt(r.p95Ms, 0)} ms, API ${fmt(r.apiUpdatesPerSecond)} updates/s, ` +
  `${r.duplicates} duplicates, ${describeCpu(r.cpu, 1, 'SMS')}`;

export async function benchOutbound(): Promise<OutboundFigures> {
  const fake = await FakeTwilio.start({ recordRequests: false });
  const svc = await startService('outbound', {
    SMS_PROVIDER: 'twilio',
    TWILIO_ACCOUNT_SID: fake.accountSid,
    TWILIO_AUTH_TOKEN: fake.authToken,
    TWILIO_API_URL: fake.url,
    WORKER_CONCURRENCY: '50',
  });
  try {
    const one = await desks(svc, fake, 1, 100);
    const eight = await desks(svc, fake, 8, 200);
    await run(svc, fake, one, 'warm');
    const runs = await repeat(REPEATS, async (r) => {
      const single = await run(svc, fake, one, `one${r}`);
      const spread = await run(svc, fake, eight, `eight${r}`);
      const bare = await bareBullmqJobsPerSecond(20000);
      console.log(
        `  outbound run ${r + 1}: one account ${describe(single)}; 8 accounts ${describe(spread)}; bare BullMQ ${fmt(bare, 0)} no-op jobs/s; ${machineLoad()}`,
      );
      return { single, spread, bare };
    });
    const figures: OutboundFigures = {
      oneAccount: summary(runs.map((x) => x.single)),
      eightAccounts: summary(runs.map((x) => x.spread)),
      bareBullmqJobsPerSecond: medianOf(runs, (x) => x.bare),
    };
    console.log(
      `outbound (median of ${REPEATS}, ${UPDATES} updates at concurrency ${CONCURRENCY}): one account ${describe(figures.oneAccount)}; ` +
        `8 accounts ${describe(figures.eightAccounts)}. Baseline bare BullMQ ${fmt(figures.bareBullmqJobsPerSecond, 0)} no-op jobs/s ` +
        `(ratio ${fmt(figures.eightAccounts.smsPerSecond / figures.bareBullmqJobsPerSecond, 3)}).`,
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
