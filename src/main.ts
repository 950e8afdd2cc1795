import 'reflect-metadata';
import { createApp } from './bootstrap';
import { ConfigError, loadEnvironment, ProcessRole } from './config/app-config';
import { migrateDatabase } from './database/ensure-database';
import { seedDemoAccount } from './demo-seed';
import { serveWorkerMetrics } from './operations/worker-metrics';

function roleFromArgs(argv: string[]): ProcessRole | undefined {
  const flag = argv.find((a) => a.startsWith('--role='));
  return flag ? (flag.slice('--role='.length) as ProcessRole) : undefined;
}

async function main(): Promise<void> {
  const role = roleFromArgs(process.argv);
  const env = loadEnvironment(process.env, role ? { ROLE: role } : {});
  const migrations = await migrateDatabase(env.DATABASE_URL);
  const app = await createApp(env);
  if (env.ROLE === 'worker') {
    await app.init();
    // Start-up logs are buffered until listen(), which a worker never calls: without this it logs nothing, and buffers forever.
    app.flushLogs();
    await serveWorkerMetrics(app, env);
  } else {
    await app.listen(env.PORT);
  }
  const lines = [
    `ticket-sms is running (role ${env.ROLE}, provider ${env.SMS_PROVIDER}${migrations.length ? `, applied ${migrations.length} migration(s)` : ''})`,
  ];
  const demo =
    env.SMS_PROVIDER === 'sandbox' && env.ROLE !== 'worker'
      ? await seedDemoAccount(app, env.STORAGE_DIR, env.PUBLIC_URL)
      : null;
  if (env.ROLE !== 'worker') {
    lines.push(
      demo
        ? `  Demo account:  created; its admin token is in ${demo.adminToken} (use it as Authorization: Bearer <token>)`
        : '',
      demo
        ? `                 open the link in ${demo.consoleInvite} to choose its console password (one use, 7 days)`
        : '',
      `  Web console:   ${env.PUBLIC_URL}/console`,
      `  API docs:      ${env.PUBLIC_URL}/api/docs`,
      `  Health:        ${env.PUBLIC_URL}/health`,
      `  Operators:     ${env.PUBLIC_URL}/metrics and ${env.PUBLIC_URL}/queues (the platform token)`,
      env.SMS_PROVIDER === 'sandbox' ? `  Sandbox texts: ${env.PUBLIC_URL}/api/sms/sandbox/messages` : '',
      env.PLATFORM_TOKEN ? '' : '  Set PLATFORM_TOKEN to create accounts through POST /api/platform/accounts',
    );
  }
  process.stdout.write(`${lines.filter(Boolean).join('\n')}\n`);
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError) {
    process.stderr.write(`${e.message}\n`);
  } else {
    process.stderr.write(`ticket-sms failed to start: ${(e as Error).stack ?? String(e)}\n`);
  }
  process.exit(1);
});
