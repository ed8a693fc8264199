/**
 * CPU and statements per operation, in one process through the service's own app (fastify inject,
 * no sockets) on PostgreSQL: N of each operation, one at a time, the process's CPU
 * (`process.cpuUsage`, the service and the in-process client together) per operation, and the
 * statements and commits the request itself ran (test/counting-database.ts; audit apart). CPU
 * per operation is meaningful on a loaded machine, where throughput is not.
 *   ROOT=/path/to/checkout npx tsx bench/suites/operation-costs.ts [N]
 * ROOT runs the same measurement against another checkout (the code before a change).
 */
const root = process.env.ROOT ?? process.cwd();
const n = Number(process.argv[2] ?? 100);
const { startTestApp } = (await import(`${root}/test/app.ts`)) as typeof import('../../test/app.js');
const { StatementCounter } = (await import(
  `${root}/test/counting-database.ts`
)) as typeof import('../../test/counting-database.js');
const messages = (await import(
  `${root}/src/dispensing/examples/messages.ts`
)) as typeof import('../../src/dispensing/examples/messages.js');
const { dispensingApi } = (await import(
  `${root}/test/support/dispensing/api.ts`
)) as typeof import('../../test/support/dispensing/api.js');
const { itemIdOf, shortFormIdOf } = (await import(
  `${root}/src/prescribing/examples/order-bundle.ts`
)) as typeof import('../../src/prescribing/examples/order-bundle.js');
const { generateNhsNumber } = (await import(
  `${root}/src/nhs/nhs-number.ts`
)) as typeof import('../../src/nhs/nhs-number.js');
const { cancelBundle } = (await import(
  `${root}/test/support/prescribing/cancel-bundle.ts`
)) as typeof import('../../test/support/prescribing/cancel-bundle.js');
const { processMessage, registerPrescriber } = (await import(
  `${root}/test/support/prescribing/prescriber.ts`
)) as typeof import('../../test/support/prescribing/prescriber.js');

type Response = { statusCode: number; body: string };
const counter = new StatementCounter();
const app = await startTestApp('postgres', {}, { wrapDatabase: (db) => counter.wrap(db) });
const gp = await registerPrescriber(app);
const api = dispensingApi(app);
const pharmacist = await api.pharmacist('FCG71');
const admin = await app.bearer({ roles: ['admin'] });
const prescriberToken = await gp.bearer();

const totals = new Map<string, { cpuUs: number; statements: number; commits: number; count: number }>();
async function measure(name: string, operation: () => Promise<Response>): Promise<void> {
  await app.pathways.audit.flush();
  counter.reset();
  const before = process.cpuUsage();
  const response = await operation();
  const used = process.cpuUsage(before);
  if (response.statusCode >= 300) throw new Error(`${name}: ${response.statusCode} ${response.body}`);
  const total = totals.get(name) ?? { cpuUs: 0, statements: 0, commits: 0, count: 0 };
  total.cpuUs += used.user + used.system;
  total.statements += counter.request.statements;
  total.commits += counter.request.commits;
  total.count++;
  totals.set(name, total);
}

const signed = (nominatedPharmacy: string | null = null) =>
  gp.signedOrder({ nhsNumber: generateNhsNumber(), items: [{ quantity: 20 }], nominatedPharmacy });
const inject = (method: 'POST' | 'PUT' | 'GET', url: string, payload?: unknown) =>
  app.pathways.app.inject({
    method,
    url,
    headers: { authorization: admin, 'content-type': 'application/fhir+json' },
    ...(payload ? { payload: JSON.stringify(payload) } : {}),
  });

// Warm-up: one of everything, not counted.
for (let round = -5; round < n; round++) {
  const record =
    round >= 0 ? measure : async (_name: string, op: () => Promise<Response>) => void (await op());
  const bundle = await signed();
  const id = shortFormIdOf(bundle);
  await record('order (1 item)', () => processMessage(app, bundle, prescriberToken));
  await record('release by ID', () => api.release(messages.releaseParameters('FCG71', id), pharmacist));
  await record('dispense-notification (partial)', () =>
    api.message(
      messages.dispenseNotification(id, 'FCG71', [
        { itemId: itemIdOf(bundle, 0), type: '0003', quantity: 10 },
      ]),
      pharmacist,
    ),
  );
  await record('withdraw', () => api.task(messages.withdrawTask(id, 'FCG71'), pharmacist));
  await record('return', () => api.task(messages.returnTask(id, 'FCG71'), pharmacist));
  const cancelled = await signed();
  await processMessage(app, cancelled, prescriberToken);
  await record('cancel (1 item)', () => processMessage(app, cancelBundle(cancelled), prescriberToken));
  const nominated = await signed('FCG71');
  await processMessage(app, nominated, prescriberToken);
  await record('nominated release (1 waiting)', () =>
    api.release(messages.releaseParameters('FCG71'), pharmacist),
  );
  const patient = {
    resourceType: 'Patient',
    identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: generateNhsNumber() }],
    name: [{ family: 'Costed', given: ['Ada'] }],
    birthDate: '1970-01-01',
  };
  const created = await inject('POST', '/fhir/R4/Patient', patient);
  const patientId = (JSON.parse(created.body) as { id: string }).id;
  await record('generic update (PUT Patient)', () =>
    inject('PUT', `/fhir/R4/Patient/${patientId}`, { ...patient, id: patientId, birthDate: '1970-01-02' }),
  );
  await record('read by id (Patient)', () => inject('GET', `/fhir/R4/Patient/${patientId}`));
}

const rows = [...totals].map(
  ([name, t]) =>
    `| ${name} | ${(t.cpuUs / t.count / 1000).toFixed(2)} | ${(t.statements / t.count).toFixed(1)} | ${(t.commits / t.count).toFixed(1)} |`,
);
// What each event type's outbox row stores (bytes of the payload column as written, and as JSON text).
const sizes = await app.pathways.db.query(
  `SELECT type, count(*)::int AS n, avg(pg_column_size(payload))::int AS stored, avg(octet_length(payload::text))::int AS text
   FROM outbox_event GROUP BY type ORDER BY type`,
);
const sizeRows = (sizes.rows as { type: string; n: number; stored: number; text: number }[]).map(
  (row) => `| ${row.type} | ${row.n} | ${row.stored} | ${row.text} |`,
);
process.stdout.write(
  `${root}: ${n} of each\n\n| operation | CPU ms / op (service + client, one process) | statements / op | commits / op |\n|---|---|---|---|\n${rows.join('\n')}\n\n| outbox event | rows | payload bytes stored (avg) | as JSON text (avg) |\n|---|---|---|---|\n${sizeRows.join('\n')}\n`,
);
await app.close();
process.exit(0);
