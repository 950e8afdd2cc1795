import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { signTwilioRequest, twilioForm } from './fakes/fake-twilio';
import { eventually, PUBLIC_URL, TestApp } from './support/test-app';

jest.setTimeout(300_000);

it('probe', async () => {
  const t = await TestApp.start({ suite: 'inbound_probe', env: { LOG_LEVEL: 'silent' } });
  try {
    const acme = await t.account('Acme');
    await acme.addNumber('+12025550100', 'Desk');
    const customerIds = [];
    for (let i = 0; i < 50; i++) customerIds.push(await acme.customer([{ number: `+1201555${String(2000 + i)}`, type: 'mobile' }], { smsEnabled: false }));
    for (const id of customerIds) await acme.ticket(id);
    const server = t.app.getHttpServer() as http.Server;
    if (!server.listening) await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const send = (i: number) => {
      const params = { MessageSid: `SM${randomBytes(16).toString('hex')}`, AccountSid: t.twilio.accountSid, From: `+1201555${String(2000 + (i % 50))}`, To: '+12025550100', Body: `probe ${i}`, NumMedia: '0' };
      const body = twilioForm(params);
      const sig = signTwilioRequest(t.twilio.authToken, `${PUBLIC_URL}/webhooks/twilio/inbound`, params);
      const started = performance.now();
      return new Promise<number>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, path: '/webhooks/twilio/inbound', method: 'POST', agent, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sig, 'content-length': Buffer.byteLength(body) } }, (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(String(res.statusCode)))));
        });
        req.on('error', reject);
        req.end(body);
      });
    };
    for (let i = 0; i < 50; i++) await send(i); // warm-up
    await eventually(async () => (await t.db.query(`SELECT count(*)::int n FROM sms_messages WHERE direction='inbound' AND status='received'`))[0].n, (n) => n === 0, 60_000);
    const latencies: number[] = [];
    const total = 2000;
    const rate = 200;
    const begun = performance.now();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = begun + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      pending.push(send(1000 + i).then((ms) => void latencies.push(ms)));
    }
    await Promise.all(pending);
    const sentAt = performance.now();
    await eventually(async () => (await t.db.query(`SELECT count(*)::int n FROM sms_messages WHERE direction='inbound' AND status='received'`))[0].n, (n) => n === 0, 120_000);
    const doneAt = performance.now();
    latencies.sort((a, b) => a - b);
    const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(1);
    const [{ n }] = await t.db.query(`SELECT count(*)::int n FROM comments WHERE author_type='customer'`);
    console.warn(`ack at ${rate}/s x ${total}: p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${latencies[latencies.length - 1].toFixed(1)} ms; offered over ${((sentAt - begun) / 1000).toFixed(1)} s; all landed ${((doneAt - begun) / 1000).toFixed(1)} s after start => ${(total / ((doneAt - begun) / 1000)).toFixed(0)} SMS/s end to end (lower bound: offered load); comments ${n}`);
    agent.destroy();
  } finally {
    await t.close();
  }
});
