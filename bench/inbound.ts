/**
 * Inbound end to end: a signed Twilio webhook → the text committed as a public comment on the customer's open
 * ticket (matching, conversation, comment, ticket status, in one transaction, by the BullMQ worker), in one `all`
 * process. Customers each have one open ticket that was texted first, as when a customer answers a ticket SMS.
 *  - throughput: BENCH_INBOUND_COUNT webhooks posted at concurrency 64, SMS/s from the first post to the last commit;
 *  - latency at a fixed offered load below capacity (50/s for 10 s), p50/p95 from the post to the commit, since at
 *    saturation latency only measures the backlog. Commits are seen by polling every 25 ms (resolution ±25 ms) for a
 *    sample of one message in four; throughput counts every message.
 */
import { Client } from 'pg';
import { FakeTwilio } from '../test/fakes/fake-twilio';
import { addNumber, createAccount, CpuUsed, describeCpu, fmt, json, machineLoad, measureCpu, medianOf, paced, percentile, pool, REPEATS, repeat, ServiceProcess, sql, startService } from './support';
import { BUSINESS_NUMBER, customerPhone, inboundForm, postWebhook, signed, SignedWebhook } from './webhooks';

const COUNT = Number(process.env.BENCH_INBOUND_COUNT ?? 2000);
const CUSTOMERS = 100;
const CONCURRENCY = 64;
const LATENCY_RATE = Number(process.env.BENCH_INBOUND_RATE ?? 50);
const LATENCY_SECONDS = 10;
const POLL_MS = 25;
const SAMPLE_EVERY = 4;

export interface InboundFigures {
  smsPerSecond: number;
  /** At the fixed offered load. */
  p50Ms: number;
  p95Ms: number;
  offeredPerSecond: number;
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
        const done = await client.query(`SELECT provider_message_id AS sid FROM sms_messages WHERE provider = 'twilio' AND provider_message_id = ANY($1) AND status = 'processed'`, [pending]);
        const now = performance.now();
        for (const { sid } of done.rows as { sid: string }[]) committedAt.set(sid, now);
      }
      const count = await client.query(`SELECT count(*) AS n FROM sms_messages WHERE direction = 'inbound' AND status = 'processed' AND body LIKE $1`, [`${tag} %`]);
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
  return Array.from({ length: count }, (_, i) => signed(inboundForm(customerPhone(i % CUSTOMERS), `${tag} ${i}: still offline after the restart`)));
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function throughputRun(svc: ServiceProcess, tag: string): Promise<{ smsPerSecond: number; cpu: CpuUsed }> {
  const hooks = batch(COUNT, tag);
  let processed = 0;
  const tracker = await track(svc, tag, (n) => (processed = n));
  const started = performance.now();
  const { cpu } = await measureCpu(
    [svc.child.pid!],
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

async function latencyRun(svc: ServiceProcess, tag: string): Promise<{ p50Ms: number; p95Ms: number }> {
  const hooks = batch(LATENCY_RATE * LATENCY_SECONDS, tag);
  let processed = 0;
  const tracker = await track(svc, tag, (n) => (processed = n));
  await paced(LATENCY_RATE, LATENCY_SECONDS, async (i) => {
    if (i % SAMPLE_EVERY === 0) tracker.postedAt.set(hooks[i].messageSid, performance.now());
    const res = await postWebhook(svc.port, hooks[i]);
    if (res.status !== 200) throw new Error(`webhook ${i}: ${res.status} ${res.body}`);
  });
  await waitFor(() => processed >= hooks.length && tracker.committedAt.size >= tracker.postedAt.size, 300_000, 'the paced texts to land');
  await tracker.stop();
  const latencies = [...tracker.postedAt].map(([sid, t]) => tracker.committedAt.get(sid)! - t);
  return { p50Ms: percentile(latencies, 50), p95Ms: percentile(latencies, 95) };
}

export async function benchInbound(): Promise<InboundFigures> {
  const fake = await FakeTwilio.start({ recordRequests: false });
  const svc = await startService('inbound', {
    SMS_PROVIDER: 'twilio',
    TWILIO_ACCOUNT_SID: fake.accountSid,
    TWILIO_AUTH_TOKEN: fake.authToken,
    TWILIO_API_URL: fake.url,
  });
  try {
    const { token } = await createAccount(svc.port);
    await addNumber(fake, svc.port, token, BUSINESS_NUMBER);
    await json(svc.port, 'POST', '/api/sms/credits/purchases', token, { packs: 1 });
    for (let i = 0; i < CUSTOMERS; i++) {
      const customer = JSON.parse((await json(svc.port, 'POST', '/api/customers', token, { name: `Customer ${i}`, phones: [{ number: customerPhone(i), type: 'mobile' }] })).body) as { id: string };
      const res = await json(svc.port, 'POST', '/api/tickets', token, { customerId: customer.id, subject: `Printer ${i}`, problem: 'Offline' });
      if (res.status !== 201) throw new Error(`ticket: ${res.status} ${res.body}`);
    }
    // Every ticket's first SMS has gone out: replies match it by the conversation (rule last_outbound).
    await waitFor(() => fake.sentMessages().length >= CUSTOMERS, 60_000, 'the initial SMS');
    await throughputRun(svc, 'warm');

    const runs = await repeat(REPEATS, async (r) => {
      const { smsPerSecond, cpu } = await throughputRun(svc, `burst-${r}`);
      const latency = await latencyRun(svc, `paced-${r}`);
      console.log(
        `  inbound run ${r + 1}: ${fmt(smsPerSecond)} SMS/s landed (${COUNT} at concurrency ${CONCURRENCY}), ${describeCpu(cpu, COUNT, 'text')}; ` +
          `at ${LATENCY_RATE}/s offered p50 ${fmt(latency.p50Ms)} ms, p95 ${fmt(latency.p95Ms)} ms webhook → committed comment; ${machineLoad()}`,
      );
      return { smsPerSecond, cpu: { serviceMs: cpu.serviceMs / COUNT, postgresMs: cpu.postgresMs / COUNT }, ...latency };
    });
    // Exactly one comment per text, and the rule that matched.
    const [check] = await sql<{ texts: string; comments: string; rules: string }>(
      svc.env.DATABASE_URL,
      `SELECT count(*) AS texts, count(DISTINCT comment_id) AS comments, string_agg(DISTINCT match_rule, ',') AS rules FROM sms_messages WHERE direction = 'inbound'`,
    );
    const [orphans] = await sql<{ n: string }>(svc.env.DATABASE_URL, `SELECT count(*) AS n FROM comments WHERE author_type = 'customer' AND id NOT IN (SELECT comment_id FROM sms_messages WHERE comment_id IS NOT NULL)`);
    if (check.texts !== check.comments || orphans.n !== '0') throw new Error(`inbound: ${check.texts} texts but ${check.comments} comments (${orphans.n} without a text)`);
    const figures: InboundFigures = {
      smsPerSecond: medianOf(runs, (x) => x.smsPerSecond),
      p50Ms: medianOf(runs, (x) => x.p50Ms),
      p95Ms: medianOf(runs, (x) => x.p95Ms),
      offeredPerSecond: LATENCY_RATE,
      commentsPerText: Number(check.comments) / Number(check.texts),
      cpu: { serviceMs: medianOf(runs, (x) => x.cpu.serviceMs), postgresMs: medianOf(runs, (x) => x.cpu.postgresMs) },
    };
    console.log(
      `inbound end to end (median of ${REPEATS}): ${fmt(figures.smsPerSecond)} SMS/s webhook → committed comment, ${describeCpu(figures.cpu, 1, 'text')}; at ${LATENCY_RATE}/s offered ` +
        `p50 ${fmt(figures.p50Ms)} ms, p95 ${fmt(figures.p95Ms)} ms. ${check.texts} texts, ${check.comments} comments (rules: ${check.rules}).`,
    );
    return figures;
  } finally {
    await svc.stop();
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
