// The pg-boss peer of issue 24: the same herd as protocold's scenario a/g (N deadlines all
// due at the same instant) done with pg-boss delayed jobs on the same kind of PostgreSQL.
//
//   node bench.mjs URI [--n N] [--batch-size B] [--polling-s S] [--local-concurrency C]
//                      [--burst 0|1] [--chunk K] [--spread-s S]
//
// URI: postgresql:///DB?host=SOCKDIR&user=postgres (a Unix socket; tests/pgtmp.sh prints it).
// It is parsed here into node-postgres's config object (host = the socket's directory).
//
// Steps: pg-boss starts (creates its schema), one queue is created with its defaults; a
// small probe times boss.insert() so that the due instant T (startAfter of every job) can
// be put a few seconds after the last insert; N jobs are inserted in batches of K with
// startAfter = T (the enqueue is timed but not part of the drain); the worker starts; every
// job the handler receives records Date.now(). Figures:
//   jobs_per_s   = N / (last handler call - T)
//   first_ms     = first handler call - T (the wait for the first poll after T)
//   busy_jobs_per_s = N / (last handler call - first handler call)
//   late_*_ms    = handler call - T, per job: p50, p99, max
//   settled_ms   = when the last job is in state 'completed' in the table, - T (the handler
//                  returns before pg-boss writes the completion; polled every 20 ms)
// --spread-s S: the jobs fall due evenly over S seconds from T instead of all at T (job i
// at T + floor(i * S * 1000 / N) ms, its startAfter); late_*_ms are then each job's
// handler call - its own due instant (tests/bench/run.sh, scenario h: lateness at a rate
// the queue sustains, not bound by a drain).
// Prints one JSON line.
//
// Worker settings (pg-boss 12 docs, docs/api/workers.md), defaults of this script:
//   pollingIntervalSeconds 2     pg-boss's default (and its base poll: future-dated jobs are
//                                found only by polling; LISTEN/NOTIFY wakes workers for
//                                immediately available jobs only, so it does not apply)
//   batchSize 1000               documented option (default 1: "1 job every 2 seconds",
//                                which would take 55 h for 100k jobs)
//   burstWhenBatchFull true      documented option: fetch again at once while batches come
//                                back full, so a backlog drains without waiting for polls
//   localConcurrency 4           documented option: workers in this process
// batchSize 1000 x 4 workers drained 100k fastest of those tried here on 2 cores (batch
// 100/500/1000/2000/5000, 1-8 workers, with and without burst; without burst each worker
// waits a full poll after every batch: 100 x 8 workers gave ~400 jobs/s).
// Constructor: pg-boss's defaults (pool max 10, supervise/schedule on, schema pgboss).
// Queue: createQueue defaults (policy standard, shared partition, retryLimit 2, ...).
import { readFileSync } from 'node:fs';
import { PgBoss } from 'pg-boss';

const PGBOSS_VERSION = JSON.parse(readFileSync(
  new URL('./node_modules/pg-boss/package.json', import.meta.url), 'utf8')).version;

function usage() {
  return 'usage: bench.mjs URI [--n N] [--batch-size B] [--polling-s S] [--local-concurrency C] [--burst 0|1] [--chunk K] [--spread-s S]';
}

function args() {
  const v = process.argv.slice(2);
  const a = { uri: v.shift(), n: 100000, batchSize: 1000, pollingS: 2, localConcurrency: 4,
    burst: true, chunk: 1000, spreadS: 0 };
  for (let i = 0; i < v.length; i += 2) {
    const k = v[i], x = v[i + 1];
    if (x === undefined) throw new Error(usage());
    if (k === '--n') a.n = parseInt(x, 10);
    else if (k === '--batch-size') a.batchSize = parseInt(x, 10);
    else if (k === '--polling-s') a.pollingS = Number(x);
    else if (k === '--local-concurrency') a.localConcurrency = parseInt(x, 10);
    else if (k === '--burst') a.burst = x === '1' || x === 'true';
    else if (k === '--chunk') a.chunk = parseInt(x, 10);
    else if (k === '--spread-s') a.spreadS = Number(x);
    else throw new Error(`unknown argument ${k}; ${usage()}`);
  }
  if (!a.uri || !/^postgres(ql)?:/.test(a.uri) || !(a.n > 0) || !(a.batchSize > 0) ||
      !(a.pollingS >= 0.5) || !(a.localConcurrency > 0) || !(a.chunk > 0) ||
      !(a.spreadS >= 0))
    throw new Error(usage());
  return a;
}

// postgresql:///DB?host=SOCKDIR&user=U[&port=P] (or a TCP URI) -> node-postgres config.
function pgConfig(uri) {
  const u = new URL(uri);
  const q = u.searchParams;
  const c = {
    host: q.get('host') || decodeURIComponent(u.hostname) || '/var/run/postgresql',
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || q.get('dbname') || 'postgres',
    user: q.get('user') || decodeURIComponent(u.username) || 'postgres',
  };
  const port = q.get('port') || u.port;
  if (port) c.port = parseInt(port, 10);
  const pw = q.get('password') || u.password;
  if (pw) c.password = decodeURIComponent(pw);
  return c;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function pct(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.round(p * (sorted.length - 1)))] : 0;
}

// Job j falls due at due(j): a Date, or a function of j giving epoch ms.
async function insertAll(boss, queue, n, chunk, due) {
  for (let i = 0; i < n; i += chunk) {
    const jobs = [];
    for (let j = i; j < Math.min(n, i + chunk); j++)
      jobs.push({ data: { p: j }, startAfter: typeof due === 'function' ? new Date(due(j)) : due });
    await boss.insert(queue, jobs);
  }
}

async function main() {
  const a = args();
  const boss = new PgBoss(pgConfig(a.uri));
  boss.on('error', (e) => console.error('pg-boss:', e.message));
  await boss.start();
  const db = boss.getDb();
  const count = async (name, state) => Number((await db.executeSql(
    'SELECT count(*)::int AS c FROM pgboss.job WHERE name = $1 AND state = $2',
    [name, state])).rows[0].c);

  // Probe: how fast inserts go here, so that T can follow the last insert.
  const probe = `probe_${process.pid}`;
  await boss.createQueue(probe);
  const pn = Math.min(a.n, 5000);
  let t0 = performance.now();
  await insertAll(boss, probe, pn, a.chunk, new Date(Date.now() + 3600e3));
  const probeRate = pn / ((performance.now() - t0) / 1000);
  await boss.deleteQueue(probe);

  const queue = `herd_${process.pid}`;
  await boss.createQueue(queue);
  const lead = Math.round((a.n / probeRate) * 1500 + 3000);
  const T = Date.now() + lead;
  const dueOf = (j) => T + Math.floor((j * a.spreadS * 1000) / a.n);
  t0 = performance.now();
  await insertAll(boss, queue, a.n, a.chunk, a.spreadS > 0 ? dueOf : new Date(T));
  const enqS = (performance.now() - t0) / 1000;
  const enqEnd = Date.now();

  const late = new Float64Array(a.n);
  let done = 0, firstDone = 0, lastDone = 0, finish;
  const finished = new Promise((r) => { finish = r; });
  const opts = { batchSize: a.batchSize, pollingIntervalSeconds: a.pollingS,
    localConcurrency: a.localConcurrency };
  if (a.burst) opts.burstWhenBatchFull = true;
  await boss.work(queue, opts, async (jobs) => {
    const now = Date.now();
    if (!firstDone) firstDone = now;
    for (let i = 0; i < jobs.length; i++) {
      if (done < a.n) late[done] = now - (a.spreadS > 0 ? dueOf(jobs[i].data.p) : T);
      done++;
    }
    lastDone = now;
    if (done >= a.n) finish();
  });

  const limit = lead + a.spreadS * 1000 + 1800e3;
  const result = await Promise.race([finished.then(() => 'ok'), sleep(limit).then(() => 'timeout')]);
  // The handler has returned for the last jobs; pg-boss completes them after it.
  let settled = null;
  if (result === 'ok') {
    while (Date.now() - lastDone < 120e3) {
      if (await count(queue, 'completed') >= a.n) { settled = Date.now() - T; break; }
      await sleep(20);
    }
  }
  const m = Math.min(done, a.n);
  const sorted = late.subarray(0, m).sort();
  const drainMs = lastDone - T;
  const settings = `pg-boss ${PGBOSS_VERSION} on Node ${process.version}` +
    `: work() pollingIntervalSeconds=${a.pollingS} batchSize=${a.batchSize}` +
    ` localConcurrency=${a.localConcurrency} burstWhenBatchFull=${a.burst};` +
    ' constructor and createQueue defaults (pool max 10); insert() in batches of ' + a.chunk +
    (a.spreadS > 0 ? `, startAfter spread evenly over ${a.spreadS} s from T` : ', startAfter=T');
  console.log(JSON.stringify({
    n: a.n, spread_s: a.spreadS, processed: done, result,
    enqueue_per_s: +(a.n / enqS).toFixed(1),
    enqueue_before_due_ms: T - enqEnd,
    jobs_per_s: drainMs > 0 ? +(m / (drainMs / 1000)).toFixed(1) : null,
    drain_ms: drainMs,
    first_ms: firstDone - T,
    // the drain once the first poll found the jobs (without the wait for that poll)
    busy_jobs_per_s: lastDone > firstDone ? +(m / ((lastDone - firstDone) / 1000)).toFixed(1) : null,
    settled_ms: settled,
    late_p50_ms: pct(sorted, 0.5), late_p99_ms: pct(sorted, 0.99), late_max_ms: pct(sorted, 1),
    settings,
  }));
  await boss.offWork(queue, { wait: false }).catch(() => {});
  await boss.stop({ graceful: false, close: true, timeout: 1000 }).catch(() => {});
  process.exit(result === 'ok' ? 0 : 1);
}

main().catch((e) => { console.error('pgboss bench:', e.message); process.exit(1); });
