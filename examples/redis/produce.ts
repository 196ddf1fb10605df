/**
 * Fills the "orders" stream with random orders, for examples/redis:
 *
 *   node dist/examples/redis/produce.js [count=1000] [url=redis://127.0.0.1:6379]
 */
import { createClient } from 'redis';
import { redactUrl } from 'squall/redis';

const PRODUCTS = ['apple', 'banana', 'cherry', 'damson', 'elderberry'];

const count = Number(process.argv[2] ?? 1000);
const url = process.argv[3] ?? 'redis://127.0.0.1:6379';
if (!Number.isInteger(count) || count <= 0) {
  console.error(`produce: the count must be a positive whole number, got "${process.argv[2]}"`);
  process.exit(2);
}

// Printed with its password masked, whatever the URL looks like.
const shown = redactUrl(url);
let client: ReturnType<typeof createClient>;
try {
  client = createClient({ url, socket: { reconnectStrategy: false } });
  client.on('error', () => {});
  await client.connect();
} catch (err) {
  // The library's message is not printed: for an unparseable URL it may quote the URL.
  const code = (err as { code?: string }).code;
  console.error(`produce: cannot connect to Redis at ${shown}${code ? ` (${code})` : ''}; the URL looks like redis://[user:password@]host:port`);
  process.exit(1);
}
// Sent together, in batches: node-redis pipelines the commands of one batch in one write.
for (let sent = 0; sent < count; ) {
  const batch = Math.min(1000, count - sent);
  await Promise.all(
    Array.from({ length: batch }, () =>
      client.xAdd('orders', '*', {
        product: PRODUCTS[Math.floor(Math.random() * PRODUCTS.length)]!,
        quantity: String(1 + Math.floor(Math.random() * 5)),
      }),
    ),
  );
  sent += batch;
}
console.log(`added ${count} orders to "orders" at ${shown}`);
await client.close();
