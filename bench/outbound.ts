/**
 * Outbound, in one `all` process (BENCH_OUTBOUND_LAYOUT=api+worker: an `api` and a `worker` process; all+all: two `all`
 * processes, one a core, the updates sent to each in turn as a load balancer would) against a local
 * fake Twilio, each stage on its own:
 *  - the send pipeline alone: message rows written straight into the table and their send jobs added at once →
 *    the provider's request received (BullMQ, the gates, the credit claim, the Twilio request, the acceptance);
 *  - ticket updates with an SMS text → the provider's request received, through the helpdesk's API and the outbox too.
 * Baseline for the update: the same request with an email body and no text, the host's own update path.
 * Each in two shapes: one account (every send debits the same credit balance row) and 8 accounts sharing the load, as a
 * multi-tenant service sees it. Baseline in the same run: a bare BullMQ worker processing no-op jobs on the same Redis.
 */
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Client, Pool } from 'pg';
import { jobOptions } from '../src/sms/queues/jobs';
import { SmsJob } from '../src/sms/queues/queues';
import { FakeTwilio, type SentMessage } from '../test/fakes/fake-twilio';
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
  spawnService,
  startService,
  stopProcess,
  waitHealthy,
} from './support';
import { customerPhone } from './webhooks';

const UPDATES = Number(process.env.BENCH_OUTBOUND_COUNT ?? 1500);
/** `all` (one process, the default), `api+worker` (an api process, and a worker process beside it) or `all+all`. */
const LAYOUT = (['api+worker', 'all+all'] as const).find((l) => l === process.env.BENCH_OUTBOUND_LAYOUT) ?? 'all';
/** The ports the updates go to, in turn: the service's, and with `all+all` the second process's too. */
let updatePorts: number[] = [];
const CONCURRENCY = 64;
const TICKETS = 64;
/**
 * The fake Twilio answers every API request (each send among them) after this many ms (0, the default: at once, so the figures are the service's
 * capacity); BENCH_PROVIDER_CALLS_IN_FLIGHT is the service's PROVIDER_CALLS_IN_FLIGHT (its default otherwise). A real
 * provider answers in a tenth of a second or more, and a process sends at most its calls in flight per answer time.
 */
const PROVIDER_LATENCY_MS = Number(process.env.BENCH_PROVIDER_LATENCY_MS ?? 0);
if (!Number.isInteger(PROVIDER_LATENCY_MS) || PROVIDER_LATENCY_MS < 0)
  throw new Error(
    `BENCH_PROVIDER_LATENCY_MS=${process.env.BENCH_PROVIDER_LATENCY_MS}: a whole number of ms, 0 or more`,
  );
const PROVIDER_CALLS_IN_FLIGHT = process.env.BENCH_PROVIDER_CALLS_IN_FLIGHT || undefined;
/** The service's send worker takes this many jobs at once (`send-message.processor.ts`: 64 a batch, 3 batches in flight). */
const SEND_WORKER_CONCURRENCY = 64 * 3;

export interface OutboundRun {
  smsPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  apiUpdatesPerSecond: number;
  duplicates: number;
  /** Texts that reached the provider to another phone or from another number than their ticket's. */
  misaddressed: number;
  /** Per SMS: the API's update and the send job together. */
  cpu: CpuUsed;
  /** Per SMS, ms: this process, the clients' requests and the fake Twilio, on the same two cores. */
  benchCpuMs: number;
}

/** The send pipeline alone: rows already written, their jobs added at once → the provider's requests. */
export interface PipelineRun {
  smsPerSecond: number;
  duplicates: number;
  misaddressed: number;
  /** Per SMS: the send job, from the job to the provider's acceptance recorded. */
  cpu: CpuUsed;
}

/** The host's own update, the same request with an email body instead of a text: what a text costs on top of it. */
export interface HostUpdateRun {
  updatesPerSecond: number;
  /** Per update. */
  cpu: CpuUsed;
  benchCpuMs: number;
}

export interface OutboundFigures {
  layout: typeof LAYOUT;
  /** How long the fake provider took to answer a send, and the service's calls in flight (null: its default). */
  providerLatencyMs: number;
  providerCallsInFlight: string | null;
  /** A bare prepared statement from this process, per round trip: what a statement costs below everything else. */
  roundTrip: CpuUsed;
  hostUpdateOneAccount: HostUpdateRun;
  pipelineOneAccount: PipelineRun;
  pipelineEightAccounts: PipelineRun;
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
  // As many jobs at once as the service's send worker takes.
  const worker = new Worker('noop', async () => undefined, {
    connection,
    prefix,
    concurrency: SEND_WORKER_CONCURRENCY,
  });
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
  accountId: string;
  token: string;
  number: string;
  tickets: { id: string; phone: string }[];
}

/** `accounts` accounts with a number, credits and TICKETS tickets between them (their first SMS already sent). */
async function desks(svc: ServiceProcess, fake: FakeTwilio, accounts: number, firstNumber: number): Promise<Desk[]> {
  const before = fake.sentMessages().length;
  const out: Desk[] = [];
  for (let a = 0; a < accounts; a++) {
    const account = await createAccount(svc.port, `Bench IT ${a}`);
    const { token } = account;
    const number = `+12025550${firstNumber + a}`;
    await addNumber(fake, svc.port, account, number);
    // Enough credits for every run, from the platform.
    await grantCredits(svc.port, account.id, (Math.ceil(((REPEATS + 1) * 2 * UPDATES + TICKETS) / 2500) + 1) * 2500);
    const tickets: Desk['tickets'] = [];
    for (let i = a; i < TICKETS; i += accounts) {
      const customer = JSON.parse(
        (
          await json(svc.port, 'POST', '/api/customers', token, {
            name: `Customer ${i}`,
            phones: [{ number: customerPhone(i), type: 'mobile' }],
          })
        ).body,
      ) as { id: string };
      tickets.push({
        id: JSON.parse(
          (
            await json(svc.port, 'POST', '/api/tickets', token, {
              customerId: customer.id,
              subject: 'Bench',
              problem: 'Bench',
            })
          ).body,
        ).id,
        phone: customerPhone(i),
      });
    }
    out.push({ accountId: account.id, token, number, tickets });
  }
  while (fake.sentMessages().length < before + TICKETS) await new Promise((r) => setTimeout(r, 50));
  return out;
}

/** Where each text of a stage must go: its marker (the tag and its index), the customer's phone and the desk's number. */
type Addresses = Map<string, { to: string; from: string }>;

/** The messages whose body carries a stage's marker, with it. */
function tagged(sent: SentMessage[], marker: RegExp): { message: SentMessage; marker: string }[] {
  return sent.flatMap((message) => {
    const found = marker.exec(message.body);
    return found ? [{ message, marker: found[1] }] : [];
  });
}

/**
 * Waits until every text of the stage reached the provider (or five minutes passed): counted while the run is under
 * way, as copying and matching every message would take the cores the service runs on; matched once the count is
 * reached, and again until each text is there, as a duplicate or an earlier stage's late text also counts.
 */
async function waitForAll(fake: FakeTwilio, before: number, marker: RegExp, expected: Addresses): Promise<void> {
  const deadline = Date.now() + 300_000;
  const sleep = () => new Promise((r) => setTimeout(r, 50));
  while (fake.sentCount() < before + expected.size && Date.now() < deadline) await sleep();
  const arrived = () =>
    new Set(
      tagged(fake.sentMessages(), marker)
        .map((r) => r.marker)
        .filter((m) => expected.has(m)),
    ).size;
  while (arrived() < expected.size && Date.now() < deadline) await sleep();
}

/**
 * Each of the stage's texts reached the provider once, to its ticket's customer from its account's number: throws when
 * one is missing, counts the duplicates (a text sent twice) and the misaddressed.
 */
function delivered(
  stage: string,
  sent: SentMessage[],
  marker: RegExp,
  expected: Addresses,
): { received: { message: SentMessage; marker: string }[]; duplicates: number; misaddressed: number } {
  const received = tagged(sent, marker);
  const seen = new Set(received.map((r) => r.marker));
  const missing = [...expected.keys()].filter((m) => !seen.has(m));
  if (missing.length > 0)
    throw new Error(`${stage}: ${missing.length} of ${expected.size} never reached the provider, ${missing[0]} first`);
  return {
    received,
    duplicates: received.length - seen.size,
    misaddressed: received.filter(({ message, marker: m }) => {
      const want = expected.get(m);
      return !want || message.to !== want.to || message.from !== want.from;
    }).length,
  };
}

async function run(
  svc: ServiceProcess,
  pids: number[],
  fake: FakeTwilio,
  accounts: Desk[],
  tag: string,
): Promise<OutboundRun> {
  const startedAt = new Map<string, number>();
  const expected: Addresses = new Map();
  const wallStart = Date.now();
  let apiDone = 0;
  // The update's own words: the pipeline stage's texts carry the same tags.
  const pattern = new RegExp(`Update (${tag}-\\d+) `);
  const before = fake.sentCount();
  const ownBefore = process.cpuUsage();
  const { cpu } = await measureCpu(pids, svc.env.DATABASE_URL, async () => {
    await pool(UPDATES, CONCURRENCY, async (i) => {
      const marker = `${tag}-${i}`;
      const desk = accounts[i % accounts.length];
      const ticket = desk.tickets[Math.floor(i / accounts.length) % desk.tickets.length];
      expected.set(marker, { to: ticket.phone, from: desk.number });
      startedAt.set(marker, Date.now());
      const res = await json(
        updatePorts[Math.floor(i / accounts.length) % updatePorts.length],
        'POST',
        `/api/tickets/${ticket.id}/updates`,
        desk.token,
        {
          smsBody: `Update ${marker} on your ticket`,
        },
      );
      if (res.status !== 201) throw new Error(`update ${i}: ${res.status} ${res.body}`);
    });
    apiDone = Date.now();
    await waitForAll(fake, before, pattern, expected);
  });
  const own = process.cpuUsage(ownBefore);
  const { received, duplicates, misaddressed } = delivered('outbound', fake.sentMessages(), pattern, expected);
  const latencies = received.map(({ message, marker }) => message.request.time - startedAt.get(marker)!);
  const last = Math.max(...received.map(({ message }) => message.request.time));
  return {
    smsPerSecond: UPDATES / ((last - wallStart) / 1000),
    p50Ms: median(latencies),
    p95Ms: percentile(latencies, 95),
    apiUpdatesPerSecond: UPDATES / ((apiDone - wallStart) / 1000),
    duplicates,
    misaddressed,
    cpu: cpuPer(cpu, UPDATES),
    benchCpuMs: (own.user + own.system) / 1000 / UPDATES,
  };
}

/**
 * A bare round trip: `SELECT $1::int`, prepared, from a pg pool of 10 connections with 64 in flight, as the service's
 * pool runs its statements; the CPU of this process and of the backends, per statement.
 */
async function bareRoundTrip(databaseUrl: string, count = 20_000): Promise<CpuUsed> {
  const db = new Pool({ connectionString: databaseUrl, max: 10 });
  try {
    let next = 0;
    const statement = { name: 'bench-round-trip', text: 'SELECT $1::int AS n' };
    const run = async () => {
      for (let i = next++; i < count; i = next++) await db.query({ ...statement, values: [i] });
    };
    await Promise.all(Array.from({ length: 10 }, run)); // every connection opened and the statement prepared on it
    next = 0;
    const { cpu } = await measureCpu([process.pid], databaseUrl, () => Promise.all(Array.from({ length: 64 }, run)));
    return cpuPer({ ...cpu, redisMs: 0 }, count);
  } finally {
    await db.end();
  }
}

/** UPDATES ticket updates that write a comment and text nobody: the reference helpdesk's own update path. */
async function hostUpdateRun(
  svc: ServiceProcess,
  pids: number[],
  accounts: Desk[],
  tag: string,
): Promise<HostUpdateRun> {
  const started = Date.now();
  const ownBefore = process.cpuUsage();
  const { cpu } = await measureCpu(pids, svc.env.DATABASE_URL, () =>
    pool(UPDATES, CONCURRENCY, async (i) => {
      const desk = accounts[i % accounts.length];
      const ticket = desk.tickets[Math.floor(i / accounts.length) % desk.tickets.length];
      const res = await json(
        updatePorts[Math.floor(i / accounts.length) % updatePorts.length],
        'POST',
        `/api/tickets/${ticket.id}/updates`,
        desk.token,
        {
          emailBody: `Note ${tag}-${i} on the ticket`,
        },
      );
      if (res.status !== 201) throw new Error(`update ${i}: ${res.status} ${res.body}`);
    }),
  );
  const own = process.cpuUsage(ownBefore);
  return {
    updatesPerSecond: UPDATES / ((Date.now() - started) / 1000),
    cpu: cpuPer(cpu, UPDATES),
    benchCpuMs: (own.user + own.system) / 1000 / UPDATES,
  };
}

/**
 * The send pipeline alone: UPDATES rows as a ticket update writes them (`pending`, one part, the ticket's customer),
 * written before the clock starts; then their send jobs, added at once with the options the outbox's enqueue gives
 * them, and the time until the provider received the last.
 */
async function pipelineRun(
  svc: ServiceProcess,
  pids: number[],
  fake: FakeTwilio,
  accounts: Desk[],
  tag: string,
): Promise<PipelineRun> {
  const db = new Client({ connectionString: svc.env.DATABASE_URL });
  await db.connect();
  const queue = new Queue('sms-outbound', {
    connection: { url: REDIS_URL, maxRetriesPerRequest: null },
    prefix: svc.env.QUEUE_PREFIX,
  });
  try {
    const rows = Array.from({ length: UPDATES }, (_, i) => {
      const desk = accounts[i % accounts.length];
      const ticket = desk.tickets[Math.floor(i / accounts.length) % desk.tickets.length];
      return { id: randomUUID(), desk, ticket, body: `Pipeline ${tag}-${i} on your ticket` };
    });
    await db.query(
      `INSERT INTO sms_messages (id, account_id, direction, kind, ticket_id, send_id, status, to_number, from_number, provider,
         part_index, part_count, body, encoding, segments)
       SELECT r.id, r.account_id, 'outbound', 'ticket_update', r.ticket_id, gen_random_uuid(), 'pending', r.to_number, r.from_number,
         'twilio', 1, 1, r.body, 'GSM-7', 1
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
         AS r(id, account_id, ticket_id, to_number, from_number, body)`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.desk.accountId),
        rows.map((r) => r.ticket.id),
        rows.map((r) => r.ticket.phone),
        rows.map((r) => r.desk.number),
        rows.map((r) => r.body),
      ],
    );
    const pattern = new RegExp(`Pipeline (${tag}-\\d+) `);
    const expected: Addresses = new Map(
      rows.map((r, i) => [`${tag}-${i}`, { to: r.ticket.phone, from: r.desk.number }]),
    );
    const before = fake.sentCount();
    const wallStart = Date.now();
    const { cpu } = await measureCpu(pids, svc.env.DATABASE_URL, async () => {
      for (let i = 0; i < rows.length; i += 500)
        await queue.addBulk(
          rows.slice(i, i + 500).map((r) => ({
            name: 'SendMessage',
            data: { messageId: r.id },
            opts: jobOptions(SmsJob.SendMessage, { jobId: r.id }),
          })),
        );
      await waitForAll(fake, before, pattern, expected);
    });
    const { received, duplicates, misaddressed } = delivered(
      'outbound pipeline',
      fake.sentMessages(),
      pattern,
      expected,
    );
    const last = Math.max(...received.map(({ message }) => message.request.time));
    return {
      smsPerSecond: UPDATES / ((last - wallStart) / 1000),
      duplicates,
      misaddressed,
      cpu: cpuPer(cpu, UPDATES),
    };
  } finally {
    await queue.close();
    await db.end();
  }
}

const pipelineSummary = (runs: PipelineRun[]): PipelineRun => ({
  smsPerSecond: medianOf(runs, (x) => x.smsPerSecond),
  duplicates: Math.max(...runs.map((x) => x.duplicates)),
  misaddressed: Math.max(...runs.map((x) => x.misaddressed)),
  cpu: medianCpu(runs, (x) => x.cpu),
});

const describePipeline = (r: PipelineRun) =>
  `${fmt(r.smsPerSecond)} SMS/s (row → provider request), ${r.duplicates} duplicates, ${r.misaddressed} misaddressed, ${describeCpu(r.cpu, 1, 'SMS')}`;

const describeHost = (r: HostUpdateRun) =>
  `ticket update without a text, one account ${fmt(r.updatesPerSecond)} updates/s, ${describeCpu(r.cpu, 1, 'update')}; ` +
  `the bench's clients ${fmt(r.benchCpuMs, 2)} ms`;

const summary = (runs: OutboundRun[]): OutboundRun => ({
  smsPerSecond: medianOf(runs, (x) => x.smsPerSecond),
  p50Ms: medianOf(runs, (x) => x.p50Ms),
  p95Ms: medianOf(runs, (x) => x.p95Ms),
  apiUpdatesPerSecond: medianOf(runs, (x) => x.apiUpdatesPerSecond),
  duplicates: Math.max(...runs.map((x) => x.duplicates)),
  misaddressed: Math.max(...runs.map((x) => x.misaddressed)),
  cpu: medianCpu(runs, (x) => x.cpu),
  benchCpuMs: medianOf(runs, (x) => x.benchCpuMs),
});

const describe = (r: OutboundRun) =>
  `${fmt(r.smsPerSecond)} SMS/s (update → provider request), p50 ${fmt(r.p50Ms, 0)} ms, p95 ${fmt(r.p95Ms, 0)} ms, API ${fmt(r.apiUpdatesPerSecond)} updates/s, ` +
  `${r.duplicates} duplicates, ${r.misaddressed} misaddressed, ${describeCpu(r.cpu, 1, 'SMS')}; the bench's clients and fake Twilio ${fmt(r.benchCpuMs, 2)} ms`;

export async function benchOutbound(): Promise<OutboundFigures> {
  const fake = (await FakeTwilio.start({ recordRequests: false })).setLatency(PROVIDER_LATENCY_MS);
  const svc = await startService(
    'outbound',
    {
      SMS_PROVIDER: 'twilio',
      TWILIO_ACCOUNT_SID: fake.accountSid,
      TWILIO_AUTH_TOKEN: fake.authToken,
      TWILIO_API_URL: fake.url,
      WORKER_CONCURRENCY: '50',
      ...(PROVIDER_CALLS_IN_FLIGHT ? { PROVIDER_CALLS_IN_FLIGHT } : {}),
    },
    LAYOUT === 'api+worker' ? 'api' : 'all',
  );
  // The second process shares the first one's database and queue prefix; a worker serves no HTTP.
  const secondPort = 40000 + Math.floor(Math.random() * 20000);
  const second =
    LAYOUT === 'api+worker'
      ? spawnService('outbound-worker', { ...svc.env, PORT: '0' }, 'worker')
      : LAYOUT === 'all+all'
        ? spawnService('outbound-second', { ...svc.env, PORT: String(secondPort) }, 'all')
        : null;
  const pids = second ? [svc.child.pid!, second.pid!] : [svc.child.pid!];
  updatePorts = [svc.port];
  try {
    if (second && LAYOUT === 'all+all') {
      await waitHealthy('outbound-second', secondPort, second);
      // Another session's service on that port would answer the health check while this one exited.
      if (second.exitCode !== null)
        throw new Error(`outbound-second exited (${second.exitCode}); port ${secondPort} taken?`);
      updatePorts.push(secondPort);
    }
    const one = await desks(svc, fake, 1, 100);
    const eight = await desks(svc, fake, 8, 200);
    await run(svc, pids, fake, one, 'warm');
    await pipelineRun(svc, pids, fake, one, 'warm');
    await run(svc, pids, fake, eight, 'warm8');
    const runs = await repeat(REPEATS, async (r) => {
      const hostUpdate = await hostUpdateRun(svc, pids, one, `one${r}`);
      const pipelineSingle = await pipelineRun(svc, pids, fake, one, `one${r}`);
      const pipelineSpread = await pipelineRun(svc, pids, fake, eight, `eight${r}`);
      const single = await run(svc, pids, fake, one, `one${r}`);
      const spread = await run(svc, pids, fake, eight, `eight${r}`);
      const bare = await bareBullmqJobsPerSecond(20000);
      console.log(
        `  outbound run ${r + 1}: ${describeHost(hostUpdate)}; pipeline alone, one account ${describePipeline(pipelineSingle)}; 8 accounts ${describePipeline(pipelineSpread)}. ` +
          `Update → provider, one account ${describe(single)}; 8 accounts ${describe(spread)}. Bare BullMQ ${fmt(bare, 0)} no-op jobs/s; ${machineLoad()}`,
      );
      return { hostUpdate, pipelineSingle, pipelineSpread, single, spread, bare };
    });
    const roundTrip = await bareRoundTrip(svc.env.DATABASE_URL);
    const figures: OutboundFigures = {
      layout: LAYOUT,
      providerLatencyMs: PROVIDER_LATENCY_MS,
      providerCallsInFlight: PROVIDER_CALLS_IN_FLIGHT ?? null,
      roundTrip,
      hostUpdateOneAccount: {
        updatesPerSecond: medianOf(runs, (x) => x.hostUpdate.updatesPerSecond),
        cpu: medianCpu(runs, (x) => x.hostUpdate.cpu),
        benchCpuMs: medianOf(runs, (x) => x.hostUpdate.benchCpuMs),
      },
      pipelineOneAccount: pipelineSummary(runs.map((x) => x.pipelineSingle)),
      pipelineEightAccounts: pipelineSummary(runs.map((x) => x.pipelineSpread)),
      oneAccount: summary(runs.map((x) => x.single)),
      eightAccounts: summary(runs.map((x) => x.spread)),
      bareBullmqJobsPerSecond: medianOf(runs, (x) => x.bare),
    };
    const bare = figures.bareBullmqJobsPerSecond;
    console.log(
      `outbound (${LAYOUT}, median of ${REPEATS}, ${UPDATES} texts a run, the provider answering in ${PROVIDER_LATENCY_MS} ms, ` +
        `${PROVIDER_CALLS_IN_FLIGHT ?? 'the default'} calls in flight): ${describeHost(figures.hostUpdateOneAccount)}; pipeline alone, one account ${describePipeline(figures.pipelineOneAccount)} ` +
        `(ratio ${fmt(figures.pipelineOneAccount.smsPerSecond / bare, 3)}); 8 accounts ${describePipeline(figures.pipelineEightAccounts)} ` +
        `(ratio ${fmt(figures.pipelineEightAccounts.smsPerSecond / bare, 3)}). Update → provider at concurrency ${CONCURRENCY}, ` +
        `one account ${describe(figures.oneAccount)} (ratio ${fmt(figures.oneAccount.smsPerSecond / bare, 3)}); ` +
        `8 accounts ${describe(figures.eightAccounts)} (ratio ${fmt(figures.eightAccounts.smsPerSecond / bare, 3)}). ` +
        `Baseline bare BullMQ ${fmt(bare, 0)} no-op jobs/s; a bare prepared round trip costs node ${fmt(roundTrip.serviceMs, 3)} ms + ` +
        `PostgreSQL ${fmt(roundTrip.postgresMs, 3)} ms.`,
    );
    return figures;
  } finally {
    if (second) await stopProcess(second);
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
