/**
 * Fills the "orders" stream with random orders, for examples/redis:
 *
 *   node dist/examples/redis/produce.js [count=1000] [url=redis://127.0.0.1:6379]
 */
import { createClient } from 'redis';

const PRODUCTS = ['apple', 'banana', 'cherry', 'damson', 'elderberry'];

const count = Number(process.argv[2] ?? 1000);
const url = process.argv[3] ?? 'redis://127.0.0.1:6379';
if (!Number.isInteger(count) || count <= 0) {
  console.error(`produce: the count must be a positive whole number, got "${process.argv[2]}"`);
  process.exit(2);
}

const client = createClient({ url, socket: { reconnectStrategy: false } });
client.on('error', () => {});
try {
  await client.connect();
} catch (err) {
  console.error(`produce: cannot connect to Redis at ${url}: ${(err as Error).message}`);
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
console.log(`added ${count} orders to "orders" at ${url}`);
await client.close();
