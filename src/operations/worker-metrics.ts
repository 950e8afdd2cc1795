import http from 'node:http';
import { INestApplication } from '@nestjs/common';
import { Registry } from 'prom-client';
import { Environment } from '../config/app-config';
import { SmsMetrics } from '../sms';
import { processRegistry } from './metrics.controller';
import { operatorRefusal } from './operator-access';

/**
 * A worker serves no HTTP, yet its sends, latencies and credits are counted in its own process: with METRICS_PORT it
 * answers GET /metrics there (and nothing else), behind the same access rule as the api's /metrics. `port` 0: any free one.
 */
export async function serveWorkerMetrics(
  app: INestApplication,
  env: Environment,
  port = env.METRICS_PORT,
): Promise<http.Server | null> {
  if (port === undefined) return null;
  const sms = app.get(SmsMetrics);
  const processMetrics = processRegistry();
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Only GET /metrics is served here\n');
      return;
    }
    const refusal = env.METRICS_PUBLIC ? null : operatorRefusal(req.headers.authorization, env.PLATFORM_TOKEN);
    if (refusal) {
      res.writeHead(refusal.status, {
        'content-type': 'text/plain',
        ...(refusal.status === 401 ? { 'www-authenticate': 'Bearer realm="ticket-sms metrics"' } : {}),
      });
      res.end(`${refusal.message}\n`);
      return;
    }
    Promise.all([sms.metrics(), processMetrics.metrics()]).then(
      ([module, proc]) =>
        res
          .writeHead(200, { 'content-type': Registry.PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' })
          .end(module + proc),
      (e: unknown) =>
        res
          .writeHead(503, { 'content-type': 'text/plain' })
          .end(`Metrics could not be read: ${(e as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, () => resolve()));
  // The worker's shutdown (SIGTERM) ends the process; the metrics port must not hold it open.
  server.unref();
  return server;
}
