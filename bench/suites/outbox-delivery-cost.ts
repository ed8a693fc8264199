/**
 * One outbox delivery's cost on PostgreSQL, alone: N events to one no-op external consumer
 * (ordered, as the feed) on a fresh database; the service process's CPU and the database's
 * commits from the first event dispatched to the last delivery done, divided by N.
 *   ROOT=/path/to/checkout npx tsx bench/suites/outbox-delivery-cost.ts [N]
 * ROOT lets the same measurement run against another checkout (the code before a change).
 */
const root = process.env.ROOT ?? process.cwd();
const n = Number(process.argv[2] ?? 2000);
const { createTestDatabase } = (await import(
  `${root}/test/databases.ts`
)) as typeof import('../../test/databases.js');
const { Outbox, emit } = (await import(
  `${root}/src/platform/outbox/outbox.ts`
)) as typeof import('../../src/platform/outbox/outbox.js');
const { createLogger } = (await import(
  `${root}/src/platform/logging/logger.ts`
)) as typeof import('../../src/platform/logging/logger.js');
const { createMetricsRegistry } = (await import(
  `${root}/src/platform/metrics/metrics.ts`
)) as typeof import('../../src/platform/metrics/metrics.js');

const t = await createTestDatabase('postgres');
const db = t.db;
for (let i = 0; i < n; i += 500) {
  await db.transaction(async (tx) => {
    for (let j = i; j < Math.min(n, i + 500); j++)
      await emit(tx, { type: 'bench.event', key: `rx-${j % 200}`, payload: { j } });
  });
}
const commits = async () =>
  Number(
    (
      await db.query<{ xact_commit: string }>(
        'SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()',
      )
    ).rows[0]!.xact_commit,
  );
const done = async () =>
  Number(
    (await db.query<{ c: string }>(`SELECT count(*) AS c FROM outbox_delivery WHERE state = 'done'`)).rows[0]!
      .c,
  );
const outbox = new Outbox({
  db,
  log: createLogger({ level: 'silent' }),
  metrics: createMetricsRegistry({ defaults: false }),
  cron: false,
  dispatchIntervalMs: 50,
  jobPollIntervalMs: 50,
});
outbox.register({ name: 'bench', types: ['bench.event'], ordered: true, async deliver() {} });
const commitsBefore = await commits();
const cpuBefore = process.cpuUsage();
const started = Date.now();
await outbox.start();
while ((await done()) < n) await new Promise((resolve) => setTimeout(resolve, 100));
const cpu = process.cpuUsage(cpuBefore);
const wall = Date.now() - started;
const commitCount = (await commits()) - commitsBefore;
await outbox.stop(1000);
await t.dispose();
const perDelivery = (cpu.user + cpu.system) / 1000 / n;
console.log(
  JSON.stringify({
    deliveries: n,
    wallMs: wall,
    serviceCpuMsPerDelivery: +perDelivery.toFixed(3),
    commitsPerDelivery: +(commitCount / n).toFixed(3),
  }),
);
process.exit(0);
