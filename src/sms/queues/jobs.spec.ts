import type { Job } from 'bullmq';
import { JOBS, JobHandlers, JobWorker, jobOf, jobOptions } from './jobs';
import { SmsJob, SmsQueue } from './queues';

class TimersWorker extends JobWorker<SmsQueue.Timers> {
  protected readonly queueName = SmsQueue.Timers;
  constructor(protected readonly handlers: JobHandlers<SmsQueue.Timers>) {
    super();
  }
}

const job = (name: string, data: unknown) => ({ name, data }) as Job;

describe('the job map', () => {
  it('gives every job a queue that exists', () => {
    for (const name of Object.values(SmsJob)) expect(Object.values(SmsQueue)).toContain(JOBS[name].queue);
  });

  it("takes a job's retries from the table and its id and delay from the add", () => {
    const options = jobOptions(SmsJob.SendMessage, { jobId: 'm1', delayMs: -5, retryBaseMs: 300 });
    expect(options).toMatchObject({
      jobId: 'm1',
      delay: 0,
      attempts: 12,
      backoff: { type: 'exponential', delay: 300 },
    });
    expect(jobOptions(SmsJob.ProcessInbound, { jobId: 'm2' })).toMatchObject({ jobId: 'm2', attempts: 8 });
    // The table itself is left as it was.
    expect(JOBS[SmsJob.SendMessage].options.backoff.delay).toBe(2000);
  });

  it("puts a flow's job on its own queue", () => {
    const child = jobOf(SmsJob.StoreInboundMedia, { messageId: 'm', position: 0 }, { jobId: 'm-media-0' });
    expect(child).toMatchObject({ queueName: SmsQueue.InboundMedia, opts: { ignoreDependencyOnFailure: true } });
    // @ts-expect-error a payload of another job's shape does not compile
    jobOf(SmsJob.StoreInboundMedia, { messageIds: ['m'] });
  });

  it('hands each job to the handler of its name', async () => {
    const lapsed: string[] = [];
    const worker = new TimersWorker({
      [SmsJob.LapseClaim]: async (j) => lapsed.push(j.data.claimId),
      [SmsJob.CheckResponseDeadline]: async () => undefined,
    });
    worker.onModuleInit();
    await worker.process(job(SmsJob.LapseClaim, { accountId: 'a', conversationId: 'c', claimId: 'k' }));
    expect(lapsed).toEqual(['k']);
    expect(() => worker.process(job(SmsJob.SendMessage, { messageId: 'm' }))).toThrow(
      'No handler for job SendMessage on sms-timers',
    );
  });

  it('refuses to start a worker that leaves a job of its queue without a handler', () => {
    // @ts-expect-error a missing handler does not compile either
    const worker = new TimersWorker({ [SmsJob.LapseClaim]: async () => undefined });
    expect(() => worker.onModuleInit()).toThrow('No handler for jobs CheckResponseDeadline on sms-timers');
  });
});
