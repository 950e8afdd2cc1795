/**
 * Inbound end to end: a signed Twilio webhook → the text committed as a public comment on the customer's open
 * ticket (matching, conversation, comment, ticket status, in one transaction, by the BullMQ worker), in one `all`
 * process, and in an `api` process with a `worker` process beside it (the two layouts alternate, run by run, on the
 * same 2 cores). Customers each have one open ticket that was texted first, as when a customer answers a ticket SMS.
 *  - throughput: BENCH_INBOUND_COUNT webhooks posted at concurrency 64, SMS/s from the first post to the last commit;
 *  - the target load, 800 webhooks/s offered for 10 s (an open loop: each post goes when due, whatever the ones
 *    before it are doing): the rate at which they landed, from the first post to the last commit, how long the last
 *    ones took to land after the last post, acknowledgement p50/p99, and p50/p95 from the post to the commit;
 *  - latency at a fixed offered load well below capacity (50/s for 10 s), p50/p95 from the post to the commit.
 * Commits are seen by polling every 25 ms (resolution ±25 ms) for a sample of one message in four; rates count every
 * message.
 */
import { ChildProcess } from 'node:child_process';
import { Client } from 'pg';
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
  medianCpu,
  medianOf,
  paced,
  percentile,
  pool,
  REPEATS,
  ServiceProcess,
  spawnService,
  sql,
  startService,
  stopProcess,
} from './support';
import { BUSINESS_NUMBER, customerPhone, inboundForm, postWebhook, signed, SignedWebhook } from './webhooks';

const COUNT = Number(process.env.BENCH_INBOUND_COUNT ?? 2000);
// Texts rotate through the customers: with 1,000, each texts about once every 1.25 s at 800/s. A sender's texts land
// one at a time and in order, so far fewer customers (BENCH_INBOUND_CUSTOMERS=100: 8 texts a second each) measure how
// fast one sender's queue drains, not the service.
const CUSTOMERS = Number(process.env.BENCH_INBOUND_CUSTOMERS ?? 1000);
const CONCURRENCY = 64;
const LATENCY_RATE = Number(process.env.BENCH_INBOUND_RATE ?? 50);
const TARGET_RATE = Number(process.env.BENCH_INBOUND_TARGET_RATE ?? 800);
const PACED_SECONDS = 10;
const POLL_MS = 25;
const SAMPLE_EVERY = 4;

export type InboundLayout = 'all' | 'api+worker';

export interface InboundFigures {
  layout: InboundLayout;
  smsPerSecond: number;
  /** At the fixed offered load. */
  p50Ms: number;
  p95Ms: number;
  offeredPerSecond: number;
  /** At the target load. */
  atTarget: PacedFigures;
  /** Landed as exactly one comment each (checked after every run). */
  commentsPerText: number;
  /** Per text, webhook and job together. */
  cpu: CpuUsed;
}

interface Tracker {
  postedAt: Map<string, number>;
  committedAt: Map<string, number>;
  /** The poller's own PostgreSQL backend, left out of the CPU figures. */
  backendPid: number;
  stop(): Promise<void>;
}

/** Polls (on one connection) which sampled texts have been committed as processed, and counts every processed text of the run. */
async function track(svc: ServiceProcess, tag: string, onCount: (n: number) => void): Promise<Tracker> {
  const postedAt = new Map<string, number>();
  const committedAt = new Map<string, number>();
  const client = new Client({ connectionString: svc.env.DATABASE_URL });
  await client.connect();
  const backendPid = ((await client.query('SELECT pg_backend_pid() AS pid')).rows[0] as { pid: number }).pid;
  let running = true;
  const loop = (async () => {
    while (running) {
      const pending = [...postedAt.keys()].filter((sid) => !committedAt.has(sid));
      if (pending.length) {
        const done = await client.query(
          `SELECT provider_message_id AS sid FROM sms_messages WHERE provider = 'twilio' AND provider_message_id = ANY($1) AND status = 'processed'`,
          [pending],
        );
        const now = performance.now();
        for (const { sid } of done.rows as { sid: string }[]) committedAt.set(sid, now);
      }
      const count = await client.query(
        `SELECT count(*) AS n FROM sms_messages WHERE direction = 'inbound' AND status = 'processed' AND body LIKE $1`,
        [`${tag} %`],
      );
      onCount(Number((count.rows[0] as { n: string }).n));
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  })();
  return {
    postedAt,
    committedAt,
    backendPid,
    stop: async () => {
      running = false;
      await loop;
      await client.end();
    },
  };
}

function batch(count: number, tag: string): SignedWebhook[] {
  return Array.from({ length: count }, (_, i) =>
    signed(inboundForm(customerPhone(i % CUSTOMERS), `${tag} ${i}: still offline after the restart`)),
  );
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function throughputRun(
  svc: ServiceProcess,
  worker: ChildProcess | null,
  tag: string,
): Promise<{ smsPerSecond: number; cpu: CpuUsed }> {
  const hooks = batch(COUNT, tag);
  let processed = 0;
  const tracker = await track(svc, tag, (n) => (processed = n));
  const started = performance.now();
  const { cpu } = await measureCpu(
    worker ? [svc.child.pid!, worker.pid!] : [svc.child.pid!],
    svc.env.DATABASE_URL,
    async () => {
      await pool(hooks.length, CONCURRENCY, async (i) => {
        const res = await postWebhook(svc.port, hooks[i]);
        if (res.status !== 200) throw new Error(`webhook ${i}: ${res.status} ${res.body}`);
      });
      await waitFor(() => processed >= COUNT, 300_000, `${COUNT} texts to land`);
    },
    [tracker.backendPid],
  );
  const finished = performance.now();
  await tracker.stop();
  return { smsPerSecond: COUNT / ((finished - started) / 1000), cpu };
}

export interface PacedFigures {
  offeredPerSecond: number;
  /** Every text of the run, from the first post to the last commit. */
  landedPerSecond: number;
  /** From the last post to the last commit. */
  drainMs: number;
  ackP50Ms: number;
  ackP99Ms: number;
  /** Post → committed comment, for the sampled texts. */
  p50Ms: number;
  p95Ms: number;
}

async function pacedRun(svc: ServiceProcess, tag: string, rate: number): Promise<PacedFigures> {
  const hooks = batch(rate * PACED_SECONDS, tag);
  let processed = 0;
  const tracker = await track(svc, tag, (n) => (processed = n));
  const acks: number[] = [];
  const started = performance.now();
  await paced(rate, PACED_SECONDS, async (i) => {
    const posted = performance.now();
    if (i % SAMPLE_EVERY === 0) tracker.postedAt.set(hooks[i].messageSid, posted);
    const res = await postWebhook(svc.port, hooks[i]);
    acks.push(performance.now() - posted);
    if (res.status !== 200) throw new Error(`webhook ${i}: ${res.status} ${res.body}`);
  });
  const lastPost = started + ((hooks.length - 1) * 1000) / rate;
  await waitFor(
    () => processed >= hooks.length && tracker.committedAt.size >= tracker.postedAt.size,
    300_000,
    'the paced texts to land',
  );
  const landed = performance.now();
  await tracker.stop();
  const latencies = [...tracker.postedAt].map(([sid, t]) => tracker.committedAt.get(sid)! - t);
  return {
    offeredPerSecond: rate,
    landedPerSecond: hooks.length / ((landed - started) / 1000),
    drainMs: landed - lastPost,
    ackP50Ms: percentile(acks, 50),
    ackP99Ms: percentile(acks, 99),
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
  };
}

function describeTarget(f: PacedFigures): string {
  return (
    `at ${f.offeredPerSecond}/s offered for ${PACED_SECONDS} s: ${fmt(f.landedPerSecond)} SMS/s landed, the last ${fmt(f.drainMs, 0)} ms after the last post, ` +
    `ack p50 ${fmt(f.ackP50Ms)} ms, p99 ${fmt(f.ackP99Ms)} ms, webhook → comment p50 ${fmt(f.p50Ms)} ms, p95 ${fmt(f.p95Ms)} ms`
  );
}

/** A service in one layout, with an account, its number, credits and CUSTOMERS customers whose ticket's first SMS went out. */
async function startLayout(
  fake: FakeTwilio,
  layout: InboundLayout,
): Promise<{ svc: ServiceProcess; worker: ChildProcess | null }> {
  const twilioEnv = {
    SMS_PROVIDER: 'twilio',
    TWILIO_ACCOUNT_SID: fake.accountSid,
    TWILIO_AUTH_TOKEN: fake.authToken,
    TWILIO_API_URL: fake.url,
  };
  const svc = await startService(
    layout === 'all' ? 'inbound' : 'inbound-api',
    twilioEnv,
    layout === 'all' ? 'all' : 'api',
  );
  // The worker shares the api's database and queue prefix; it serves no HTTP.
  const worker = layout === 'all' ? null : spawnService('inbound-worker', { ...svc.env, PORT: '0' }, 'worker');
  try {
    const account = await createAccount(svc.port);
    const { token } = account;
    await addNumber(fake, svc.port, account, BUSINESS_NUMBER);
    await grantCredits(svc.port, account.id, 2500);
    const sentBefore = fake.sentMessages().length;
    await pool(CUSTOMERS, 8, async (i) => {
      const customer = JSON.parse(
        (
          await json(svc.port, 'POST', '/api/customers', token, {
            name: `Customer ${i}`,
            phones: [{ number: customerPhone(i), type: 'mobile' }],
          })
        ).body,
      ) as { id: string };
      const res = await json(svc.port, 'POST', '/api/tickets', token, {
        customerId: customer.id,
        subject: `Printer ${i}`,
        problem: 'Offline',
      });
      if (res.status !== 201) throw new Error(`ticket: ${res.status} ${res.body}`);
    });
    // Every ticket's first SMS has gone out: replies match it by the conversation (rule last_outbound).
    await waitFor(() => fake.sentMessages().length >= sentBefore + CUSTOMERS, 60_000, 'the initial SMS');
    await throughputRun(svc, worker, `warm-${layout}`);
    return { svc, worker };
  } catch (e) {
    if (worker) await stopProcess(worker);
    await svc.stop();
    throw e;
  }
}

/** Exactly one comment per text, and the rules that matched. */
async function checkLanded(svc: ServiceProcess): Promise<{ texts: number; comments: number; rules: string }> {
  const [check] = await sql<{ texts: string; comments: string; rules: string }>(
    svc.env.DATABASE_URL,
    `SELECT count(*) AS texts, count(DISTINCT comment_id) AS comments, string_agg(DISTINCT match_rule, ',') AS rules FROM sms_messages WHERE direction = 'inbound'`,
  );
  const [orphans] = await sql<{ n: string }>(
    svc.env.DATABASE_URL,
    `SELECT count(*) AS n FROM comments WHERE author_type = 'customer' AND id::text NOT IN (SELECT comment_id FROM sms_messages WHERE comment_id IS NOT NULL)`,
  );
  if (check.texts !== check.comments || orphans.n !== '0')
    throw new Error(`inbound: ${check.texts} texts but ${check.comments} comments (${orphans.n} without a text)`);
  return { texts: Number(check.texts), comments: Number(check.comments), rules: check.rules };
}

interface RunFigures {
  smsPerSecond: number;
  cpu: CpuUsed;
  p50Ms: number;
  p95Ms: number;
  atTarget: PacedFigures;
}

export async function benchInbound(): Promise<InboundFigures[]> {
  const fake = await FakeTwilio.start({ recordRequests: false });
  const layouts: InboundLayout[] = ['all', 'api+worker'];
  const started: { svc: ServiceProcess; worker: ChildProcess | null }[] = [];
  try {
    for (const layout of layouts) started.push(await startLayout(fake, layout));
    const runs = new Map<InboundLayout, RunFigures[]>(layouts.map((l) => [l, []]));
    // The layouts alternate, run by run, so a change in the machine's speed reaches both.
    for (let r = 0; r < REPEATS; r++) {
      for (const [i, layout] of layouts.entries()) {
        const { svc, worker } = started[i];
        const { smsPerSecond, cpu } = await throughputRun(svc, worker, `burst-${r}`);
        const atTarget = await pacedRun(svc, `target-${r}`, TARGET_RATE);
        const latency = await pacedRun(svc, `paced-${r}`, LATENCY_RATE);
        console.log(
          `  inbound, ${layout}, run ${r + 1}: ${fmt(smsPerSecond)} SMS/s landed (${COUNT} at concurrency ${CONCURRENCY}), ${describeCpu(cpu, COUNT, 'text')}; ` +
            `${describeTarget(atTarget)}; at ${LATENCY_RATE}/s offered p50 ${fmt(latency.p50Ms)} ms, p95 ${fmt(latency.p95Ms)} ms webhook → committed comment; ${machineLoad()}`,
        );
        runs
          .get(layout)!
          .push({ smsPerSecond, cpu: cpuPer(cpu, COUNT), p50Ms: latency.p50Ms, p95Ms: latency.p95Ms, atTarget });
      }
    }
    const figures: InboundFigures[] = [];
    for (const [i, layout] of layouts.entries()) {
      const check = await checkLanded(started[i].svc);
      const r = runs.get(layout)!;
      const f: InboundFigures = {
        layout,
        smsPerSecond: medianOf(r, (x) => x.smsPerSecond),
        p50Ms: medianOf(r, (x) => x.p50Ms),
        p95Ms: medianOf(r, (x) => x.p95Ms),
        offeredPerSecond: LATENCY_RATE,
        atTarget: {
          offeredPerSecond: TARGET_RATE,
          landedPerSecond: medianOf(r, (x) => x.atTarget.landedPerSecond),
          drainMs: medianOf(r, (x) => x.atTarget.drainMs),
          ackP50Ms: medianOf(r, (x) => x.atTarget.ackP50Ms),
          ackP99Ms: medianOf(r, (x) => x.atTarget.ackP99Ms),
          p50Ms: medianOf(r, (x) => x.atTarget.p50Ms),
          p95Ms: medianOf(r, (x) => x.atTarget.p95Ms),
        },
        commentsPerText: check.comments / check.texts,
        cpu: medianCpu(r, (x) => x.cpu),
      };
      console.log(
        `inbound end to end, ${layout} (median of ${REPEATS}): ${fmt(f.smsPerSecond)} SMS/s webhook → committed comment (runs ${r.map((x) => fmt(x.smsPerSecond, 0)).join(', ')}), ` +
          `${describeCpu(f.cpu, 1, 'text')}; ${describeTarget(f.atTarget)} (runs ${r.map((x) => fmt(x.atTarget.landedPerSecond, 0)).join(', ')}); at ${LATENCY_RATE}/s offered p50 ${fmt(f.p50Ms)} ms, p95 ${fmt(f.p95Ms)} ms. ${check.texts} texts, ${check.comments} comments (rules: ${check.rules}).`,
      );
      figures.push(f);
    }
    return figures;
  } finally {
    for (const { svc, worker } of started) {
      if (worker) await stopProcess(worker);
      await svc.stop();
    }
    await fake.close();
  }
}

if (require.main === module) {
  benchInbound().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
