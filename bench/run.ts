/** `npm run bench`: every benchmark, one after another, each printing its figures. */
import { benchOutbound } from './outbound';

async function main(): Promise<void> {
  console.log(`ticket-sms benchmarks on ${new Date().toISOString()} (node ${process.version})`);
  await benchOutbound();
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
