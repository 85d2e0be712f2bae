// BullMQ's delayed add, measured as tools/bench.sh measures a 202: INFLIGHT adds in flight from this one process
// (BullMQ's producer, in-process: no HTTP), each a 32-character message due at a random time within the next hour,
// for WARMUP seconds not counted plus SECONDS measured. Prints the adds per second, the producer's CPU per add
// (process.cpuUsage), Redis's CPU and commands per add (INFO), and Redis's bytes per pending job (used_memory).
//   node tools/Peer/bullmq-add.mjs --port 6379 [--seconds 10] [--warmup 2] [--inflight 64]
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { readFileSync } from 'node:fs';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    inflight: { type: 'string', default: '64' },
  },
});
if (!values.port) {
  console.error('usage: node bullmq-add.mjs --port <redis port> [--seconds 10] [--warmup 2] [--inflight 64]');
  process.exit(2);
}

const connection = { host: '127.0.0.1', port: Number(values.port), maxRetriesPerRequest: null };
const queue = new Queue('peer', { connection });
const info = new Redis(connection);
const message = 'x'.repeat(32);

// Redis's CPU seconds and command count so far, from INFO.
async function redisCounters() {
  const text = await info.info('all');
  const field = (name) => Number(text.match(new RegExp(`^${name}:([\\d.]+)`, 'm'))?.[1] ?? 0);
  const calls = [...text.matchAll(/^cmdstat_\w+:calls=(\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
  return { cpu: field('used_cpu_sys') + field('used_cpu_user'), calls, memory: field('used_memory') };
}

await queue.waitUntilReady();
await info.config('RESETSTAT');
const before = await redisCounters();

let measuring = false;
let stopping = false;
let added = 0;
async function producer() {
  while (!stopping) {
    await queue.add('echo', { message }, { delay: Math.floor(Math.random() * 3_600_000) });
    if (measuring) {
      added++;
    }
  }
}

const producers = Array.from({ length: Number(values.inflight) }, producer);
await new Promise((resolve) => setTimeout(resolve, Number(values.warmup) * 1000));
const cpuStart = process.cpuUsage();
const redisStart = await redisCounters();
const wallStart = process.hrtime.bigint();
measuring = true;
await new Promise((resolve) => setTimeout(resolve, Number(values.seconds) * 1000));
measuring = false;
const wallSeconds = Number(process.hrtime.bigint() - wallStart) / 1e9;
const cpu = process.cpuUsage(cpuStart);
const redisEnd = await redisCounters();
stopping = true;
await Promise.all(producers);
const pending = await queue.count();
const after = await redisCounters();

const rows = [
  ['adds/s (measured)', added / wallSeconds, 0],
  ['producer CPU µs / add', (cpu.user + cpu.system) / added, 1],
  ['redis CPU µs / add', ((redisEnd.cpu - redisStart.cpu) * 1e6) / added, 1],
  ['redis commands / add', (redisEnd.calls - redisStart.calls) / added, 2],
  ['redis bytes / pending job', (after.memory - before.memory) / Math.max(1, pending), 0],
  ['pending jobs', pending, 0],
];
const version = JSON.parse(readFileSync(new URL('./node_modules/bullmq/package.json', import.meta.url))).version;
console.log(`bullmq ${version}, ${values.inflight} adds in flight, node ${process.version}`);
for (const [label, value, decimals] of rows) {
  console.log(`  ${label.padEnd(40)} ${value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals }).padStart(12)}`);
}

await queue.close();
await info.quit();
