/**
 * ViewDefinition/$run over HTTP on both databases, over the demo's prescriptions (ordered,
 * dispensed and claimed through the real paths): the shipped views in each format, an inline view
 * over given resources, pseudonymised rows for analysts, and every refusal as an OperationOutcome.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/app.js';
import { databaseKinds } from '../../../test/databases.js';
import { DEMO_PRESCRIPTIONS } from '../../prescribing/demo.js';

const RUN = '/fhir/R4/ViewDefinition/$run';

describe.each(databaseKinds)('ViewDefinition/$run on %s', (kind) => {
  let t: TestApp;
  let admin: string;
  let analyst: string;

  beforeAll(async () => {
    t = await startTestApp(kind, { PATHWAYS_DEMO: '1' });
    admin = await t.bearer({ roles: ['admin'] });
    analyst = await t.bearer({ roles: ['analyst'] });
    await t.pathways.db.query(
      `INSERT INTO notification (id, dedupe_key, patient, template, personalisation, state, channel, attempts,
         not_before, next_attempt_at, created_at, updated_at, finished_at)
       VALUES ('6f0c1a52-8a4e-4c8e-9a57-6d1f3c2b9e01', 'test:1', 'Patient/demo-patient-1', 'prescription-ready',
         '{}', 'worklist', 'email', 3, now(), now(), now(), now(), now())`,
    );
  });

  afterAll(() => t?.close());

  const run = (token: string, parameter: unknown[], query = '') =>
    t.pathways.app.inject({
      method: 'POST',
      url: `${RUN}${query}`,
      headers: { authorization: token, 'content-type': 'application/fhir+json' },
      payload: { resourceType: 'Parameters', parameter },
    });
  const shipped = (name: string, format: string) => [
    { name: 'viewReference', valueReference: { reference: `ViewDefinition/${name}` } },
    { name: '_format', valueCode: format },
  ];

  it('streams items prescribed as CSV: a header and a row per stored item', async () => {
    const response = await run(admin, shipped('items_prescribed', 'csv'));
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    const [header, ...lines] = response.body.trimEnd().split('\n');
    expect(header).toBe('item_id,prescription_id,day,authored_on,organisation,dmd_code,status,patient_id');
    const { rows } = await t.pathways.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM fhir_resource WHERE resource_type = 'MedicationRequest' AND NOT deleted`,
    );
    expect(lines).toHaveLength(rows[0]!.n);
    const collected = lines.filter((line) => line.includes(DEMO_PRESCRIPTIONS.collected));
    expect(collected).toHaveLength(2);
    for (const line of collected) {
      const cells = line.split(',');
      expect(cells[4]).toBe('A83008');
      expect(['324252006', '39732311000001104']).toContain(cells[5]);
      expect(cells[2]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });

  it('gives dispensed items, order-to-dispense times and claimed items from the dispensing state', async () => {
    const dispensed = await run(admin, shipped('items_dispensed', 'json'));
    expect(dispensed.statusCode).toBe(200);
    const rows = dispensed.json() as Array<Record<string, unknown>>;
    const collected = rows.filter((row) => row.prescription_id === DEMO_PRESCRIPTIONS.collected);
    expect(collected).toHaveLength(2);
    expect(collected.every((row) => row.organisation === 'FCG71')).toBe(true);
    expect(collected.map((row) => row.dmd_code).sort()).toEqual(['324252006', '39732311000001104']);

    const timed = await run(admin, shipped('order_to_dispense', 'ndjson'));
    expect(timed.headers['content-type']).toBe('application/x-ndjson');
    const times = timed.body
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(times.length).toBeGreaterThan(0);
    for (const row of times) {
      expect(new Date(row.ordered_at).getTime()).toBeLessThanOrEqual(new Date(row.handed_over).getTime());
    }

    const claimed = (await run(admin, shipped('items_claimed', 'json'))).json() as Array<
      Record<string, unknown>
    >;
    expect(claimed.length).toBeGreaterThan(0);
    // The demo's claims: the collected prescription, and the first issue of the repeat-dispensing one.
    expect(new Set(claimed.map((row) => row.prescription_id))).toEqual(
      new Set([DEMO_PRESCRIPTIONS.collected, DEMO_PRESCRIPTIONS.repeatDispensing]),
    );
    expect(claimed.every((row) => typeof row.dmd_code === 'string')).toBe(true);
  });

  it('gives notification outcomes', async () => {
    const rows = (await run(admin, shipped('notification_outcomes', 'json'))).json() as Array<
      Record<string, unknown>
    >;
    expect(rows).toContainEqual(
      expect.objectContaining({
        template: 'prescription-ready',
        outcome: 'worklist',
        channel: 'EMAILWRIT',
        attempts: 3,
      }),
    );
  });

  it('gives an analyst pseudonymised rows: the same items, no real patient ids', async () => {
    const asAdmin = (await run(admin, shipped('items_prescribed', 'json'))).json() as Array<
      Record<string, string>
    >;
    const asAnalyst = (await run(analyst, shipped('items_prescribed', 'json'))).json() as Array<
      Record<string, string>
    >;
    expect(asAnalyst.map((row) => row.item_id).sort()).toEqual(asAdmin.map((row) => row.item_id).sort());
    const realPatients = new Set(asAdmin.map((row) => row.patient_id));
    expect(asAnalyst.some((row) => realPatients.has(row.patient_id!))).toBe(false);
    expect(asAnalyst.every((row) => /^[0-9a-f]{32}$/.test(row.patient_id!))).toBe(true);
    const { rows } = await t.pathways.db.query<{ content: string }>(
      `SELECT content FROM audit_event WHERE content LIKE '%ViewDefinition/$run over MedicationRequest (pseudonymised)%'`,
    );
    expect(rows.length).toBeGreaterThan(0);
  });

  it('runs an inline view over the resources given, with _format in the query', async () => {
    const response = await run(
      admin,
      [
        {
          name: 'viewResource',
          resource: {
            resourceType: 'ViewDefinition',
            resource: 'Patient',
            select: [
              {
                column: [
                  { name: 'id', path: 'getResourceKey()' },
                  { name: 'family', path: 'name.family.first()' },
                ],
              },
            ],
          },
        },
        { name: 'resource', resource: { resourceType: 'Patient', id: 'a', name: [{ family: 'Ng, "Jo"' }] } },
        { name: 'resource', resource: { resourceType: 'Patient', id: 'b' } },
      ],
      '?_format=csv',
    );
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('id,family\na,"Ng, ""Jo"""\nb,\n');
  });

  it('refuses bad views, unknown references, wrong roles and bad formats with an OperationOutcome', async () => {
    const cases: Array<[string, unknown[], number]> = [
      ['no view', [{ name: '_format', valueCode: 'json' }], 400],
      [
        'not a view',
        [{ name: 'viewResource', resource: { resourceType: 'ViewDefinition', select: [] } }],
        400,
      ],
      [
        'bad FHIRPath',
        [
          {
            name: 'viewResource',
            resource: { resource: 'Patient', select: [{ column: [{ name: 'x', path: 'name.(' }] }] },
          },
        ],
        400,
      ],
      [
        'several values in a single column',
        [
          {
            name: 'viewResource',
            resource: {
              resource: 'MedicationRequest',
              select: [{ column: [{ name: 'x', path: 'id | status' }] }],
            },
          },
        ],
        400,
      ],
      ['unknown shipped view', shipped('nope', 'json'), 404],
      ['bad format', shipped('items_prescribed', 'xml'), 400],
      [
        'type not stored',
        [
          {
            name: 'viewResource',
            resource: { resource: 'Immunization', select: [{ column: [{ name: 'x', path: 'id' }] }] },
          },
        ],
        400,
      ],
    ];
    for (const [name, parameters, status] of cases) {
      const response = await run(admin, parameters);
      expect(response.statusCode, name).toBe(status);
      expect(response.json().resourceType, name).toBe('OperationOutcome');
    }
    for (const token of [
      await t.bearer({ roles: ['patient'], fhirUser: 'Patient/demo-patient-1' }),
      await t.bearer({ roles: ['prescriber'], org: 'A83008' }),
      await t.bearer({ roles: ['service-desk'] }),
    ]) {
      expect((await run(token, shipped('items_prescribed', 'json'))).statusCode).toBe(403);
    }
  });
});
