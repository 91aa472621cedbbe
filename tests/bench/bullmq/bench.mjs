// The peer of protocold's benchmarks: the same work done with BullMQ delayed jobs.
//
//   node bench.mjs --socket PATH --n N --mode instant|spread [--window-ms W]
//                  [--concurrency C] [--chunk K]
//
// instant: N delayed jobs all due at the same instant T; spread: N jobs due evenly over
// [T, T + W). T is chosen after timing a small probe of adds, so that every job is added
// before it is due. One Worker drains them; each job records processedOn - due (its
// lateness). Prints one JSON line: add rate, drain rate, lateness p50/p99/max.
import { Queue, Worker } from 'bullmq';

function args() {
  const a = { socket: null, n: 100000, mode: 'instant', windowMs: 10000, concurrency: 64, chunk: 1000 };
  const v = process.argv.slice(2);
  for (let i = 0; i < v.length; i += 2) {
    const k = v[i], x = v[i + 1];
    if (k === '--socket') a.socket = x;
    else if (k === '--n') a.n = parseInt(x, 10);
    else if (k === '--mode') a.mode = x;
    else if (k === '--window-ms') a.windowMs = parseInt(x, 10);
    else if (k === '--concurrency') a.concurrency = parseInt(x, 10);
    else if (k === '--chunk') a.chunk = parseInt(x, 10);
    else throw new Error(`unknown argument ${k}`);
  }
  if (!a.socket || !(a.n > 0) || !['instant', 'spread'].includes(a.mode))
    throw new Error('usage: bench.mjs --socket PATH --n N --mode instant|spread [--window-ms W] [--concurrency C] [--chunk K]');
  return a;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function pct(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.round(p * (sorted.length - 1)))] : 0;
}

async function addAll(queue, n, chunk, dueOf) {
  for (let i = 0; i < n; i += chunk) {
    const jobs = [];
    const now = Date.now();
    for (let j = i; j < Math.min(n, i + chunk); j++) {
      const due = dueOf(j);
      jobs.push({ name: 'expire', data: { p: j, due },
        opts: { delay: Math.max(0, due - now), removeOnComplete: true, removeOnFail: true } });
    }
    await queue.addBulk(jobs);
  }
}

async function main() {
  const a = args();
  const connection = { path: a.socket, maxRetriesPerRequest: null };
  const name = `bench-${a.mode}-${process.pid}`;

  // Probe: how fast adds go here, to choose a due instant every add can make.
  const probe = new Queue(`${name}-probe`, { connection });
  const pn = Math.min(a.n, 5000);
  let t = performance.now();
  await addAll(probe, pn, a.chunk, () => Date.now() + 3600e3);
  const probeRate = pn / ((performance.now() - t) / 1000);
  await probe.obliterate({ force: true });
  await probe.close();

  const queue = new Queue(name, { connection });
  const lead = Math.round((a.n / probeRate) * 1200 + 2000);
  const T = Date.now() + lead;
  const span = a.mode === 'spread' ? a.windowMs : 0;
  const dueOf = (j) => T + Math.floor((j * span) / a.n);
  const late = new Float64Array(a.n);
  let done = 0, lastDone = 0, firstProcessed = Infinity;
  let finish;
  const finished = new Promise((r) => { finish = r; });

  const worker = new Worker(name, async (job) => {
    const lat = job.processedOn - job.data.due;
    if (done < a.n) late[done] = lat;
    if (job.processedOn < firstProcessed) firstProcessed = job.processedOn;
    done++;
    lastDone = Date.now();
    if (done === a.n) finish();
  }, { connection, concurrency: a.concurrency, removeOnComplete: { count: 0 },
    removeOnFail: { count: 0 } });
  worker.on('error', (e) => console.error('bullmq worker:', e.message));
  await worker.waitUntilReady();

  t = performance.now();
  await addAll(queue, a.n, a.chunk, dueOf);
  const addS = (performance.now() - t) / 1000;
  const addEnd = Date.now();
  const overrun = Math.max(0, addEnd - T);

  const timeout = lead + span + 600e3;
  const result = await Promise.race([finished.then(() => 'ok'), sleep(timeout).then(() => 'timeout')]);
  const drainS = (lastDone - Math.max(T, addEnd)) / 1000;
  late.subarray(0, Math.min(done, a.n)).sort();
  const sorted = late.subarray(0, Math.min(done, a.n));
  console.log(JSON.stringify({
    mode: a.mode, n: a.n, processed: done, result, concurrency: a.concurrency,
    window_ms: span, add_s: +addS.toFixed(3), add_rate: +(a.n / addS).toFixed(1),
    add_overran_due_ms: overrun,
    drain_s: +drainS.toFixed(3), drain_rate: a.mode === 'instant' && drainS > 0 ? +(done / drainS).toFixed(1) : null,
    late_p50_ms: pct(sorted, 0.5), late_p99_ms: pct(sorted, 0.99), late_max_ms: pct(sorted, 1),
  }));
  await worker.close(true);
  await queue.obliterate({ force: true }).catch(() => {});
  await queue.close();
  process.exit(result === 'ok' ? 0 : 1);
}

main().catch((e) => { console.error('bullmq bench:', e.message); process.exit(1); });
