/**
 * The feed writes through the declared rules of each type (issue 11), on both databases: a
 * test-only Appointment rule registered with the platform's registry sees an SIU's booking and
 * its update as the feed's system writer (with the version it replaces), runs in the message's
 * transaction (its refusal is an AE and nothing of the message is stored), its hooks share one
 * record of the write whose related versions the message's Provenance names, and a type that does
 * not admit the feed is refused rather than written without its rules.
 */
import type { Appointment, Bundle, Provenance, Slot } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../test/databases.js';
import { readAck, siu } from '../../../test/support/hl7/fixtures.js';
import { Problem } from '../../platform/errors/problem.js';
import { ResourceRules } from '../../platform/fhir/resource-rules.js';
import { createResource } from '../../platform/fhir/store/repository.js';
import { SystemWriter } from '../../platform/fhir/store/system-writes.js';
import type { WriteAgent, WriteEffects, WriteRules } from '../../platform/fhir/write-rules.js';
import { createLogger } from '../../platform/logging/logger.js';
import { siuHandler } from '../siu/siu-handler.js';
import { MessageProcessor } from './processor.js';

const plain = (systemWriters: string[] = ['hl7']): WriteRules => ({
  write: { roles: ['admin'] },
  systemWriters,
  audit: 'patient-data',
  inTransactionBundle: true,
});

interface Seen {
  hook: 'before' | 'after';
  agent: WriteAgent;
  before: string | undefined;
  after: string | undefined;
}

describe.each(databaseKinds)('the feed writes through the declared rules on %s', (kind) => {
  let database: TestDatabase;
  const seen: Seen[] = [];
  let refuse = false;

  /** A test-only Appointment rule: records what it is shown, refuses when told to. */
  const appointmentRule: WriteRules<Appointment> = {
    ...(plain() as WriteRules<Appointment>),
    inTransactionBundle: false,
    async beforeWrite(_tx, change) {
      if (refuse) throw new Problem('INVALID_VALUE', 'the test rule refuses this appointment');
      seen.push({
        hook: 'before',
        agent: change.agent,
        before: change.before?.status,
        after: change.after?.status,
      });
      return undefined;
    },
    async afterWrite(tx, change) {
      // In the message's transaction: the stored version is visible here, before the commit.
      const stored = await tx.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM fhir_resource WHERE resource_type = 'Appointment' AND id = $1",
        [change.id],
      );
      expect(stored.rows[0]!.n).toBe(1);
      seen.push({
        hook: 'after',
        agent: change.agent,
        before: change.before?.status,
        after: change.after?.status,
      });
    },
  };

  function processor(rules: ResourceRules): MessageProcessor {
    return new MessageProcessor({
      db: database.db,
      log: createLogger({ level: 'silent' }),
      writer: new SystemWriter('hl7', rules),
      handlers: [siuHandler],
    });
  }

  function declared(appointment: WriteRules<Appointment>): ResourceRules {
    const rules = new ResourceRules();
    for (const type of ['Patient', 'Location', 'Schedule', 'Slot', 'Provenance'] as const) {
      rules.declare(type, plain());
    }
    rules.declare('Appointment', appointment);
    return rules;
  }

  async function appointments(filler: string): Promise<Appointment[]> {
    const rows = await database.db.query<{ content: string }>(
      `SELECT r.content FROM fhir_resource r JOIN search_token t ON t.resource_type = r.resource_type AND t.id = r.id
       WHERE r.resource_type = 'Appointment' AND t.param = 'identifier' AND t.value = $1`,
      [filler],
    );
    return rows.rows.map((row) => JSON.parse(row.content) as Appointment);
  }

  async function send(feed: MessageProcessor, message: string) {
    const processed = await feed.process(Buffer.from(message, 'latin1'));
    return readAck(processed.acks[0]!);
  }

  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => database?.dispose());

  it("runs the type's hooks as the feed's system writer, with the version an update replaces", async () => {
    const feed = processor(declared(appointmentRule));
    expect((await send(feed, siu({ trigger: 'S12', filler: 'R1' }))).code).toBe('AA');
    expect((await send(feed, siu({ trigger: 'S15', filler: 'R1', at: '20260111100000' }))).code).toBe('AA');
    const system = { kind: 'system', name: 'hl7' };
    expect(seen).toEqual([
      { hook: 'before', agent: system, before: undefined, after: 'booked' },
      { hook: 'after', agent: system, before: undefined, after: 'booked' },
      { hook: 'before', agent: system, before: 'booked', after: 'cancelled' },
      { hook: 'after', agent: system, before: 'booked', after: 'cancelled' },
    ]);
    expect((await appointments('R1')).map((a) => a.status)).toEqual(['cancelled']);
  });

  it("answers AE and stores nothing of the message when the type's rule refuses it", async () => {
    refuse = true;
    try {
      const ack = await send(processor(declared(appointmentRule)), siu({ trigger: 'S12', filler: 'R2' }));
      expect(ack.code).toBe('AE');
      expect(ack.text).toMatch(/the test rule refuses this appointment/);
    } finally {
      refuse = false;
    }
    expect(await appointments('R2')).toEqual([]);
    const slots = await database.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM search_token WHERE resource_type = 'Slot' AND param = 'identifier' AND value = 'R2'",
    );
    expect(slots.rows[0]!.n).toBe(0);
  });

  it("shares one write's effects between its hooks, and names what afterWrite wrote in the Provenance", async () => {
    let shared: WriteEffects | undefined;
    const related: string[] = [];
    const reporting: WriteRules<Appointment> = {
      ...(plain() as WriteRules<Appointment>),
      inTransactionBundle: false,
      async beforeWrite(_tx, { effects }) {
        shared = effects;
        effects!.locked.set('Slot/test', { resourceType: 'Slot' } as Slot);
        return undefined;
      },
      async afterWrite(tx, { effects }) {
        expect(effects).toBe(shared);
        expect(effects!.locked.get('Slot/test')).toEqual({ resourceType: 'Slot' });
        // A related change of the rule's own, as booking's slots are.
        const note = await createResource(tx, {
          resourceType: 'Schedule',
          actor: [{ display: 'a related change' }],
        });
        const version = `Schedule/${note.id}/_history/${note.versionId}`;
        related.push(version);
        effects!.related.push(version);
      },
    };
    const control = 'RELATED-1';
    const ack = await send(processor(declared(reporting)), siu({ trigger: 'S12', filler: 'R4', control }));
    expect(ack.code).toBe('AA');
    expect(related).toHaveLength(1);
    const [booked] = await appointments('R4');
    const stored = await database.db.query<{ content: string }>(
      "SELECT content FROM fhir_resource WHERE resource_type = 'Provenance'",
    );
    const provenance = stored.rows
      .map((row) => JSON.parse(row.content) as Provenance)
      .filter((p) => p.entity?.[0]?.what.identifier?.value === control);
    expect(provenance).toHaveLength(1);
    const targets = provenance[0]!.target.map((t) => t.reference);
    // After the appointment's own version, in the order written.
    expect(targets.slice(-2)).toEqual([
      `Appointment/${booked!.id}/_history/${booked!.meta!.versionId}`,
      related[0],
    ]);
  });

  it('refuses to write a type whose rules do not admit the feed, instead of writing it without them', async () => {
    const closed = declared({ ...appointmentRule, systemWriters: [] });
    const ack = await send(processor(closed), siu({ trigger: 'S12', filler: 'R3' }));
    expect(ack.code).toBe('AE');
    expect(await appointments('R3')).toEqual([]);
    const writer = new SystemWriter('hl7', closed);
    const bundle: Bundle = { resourceType: 'Bundle', type: 'collection' };
    await expect(writer.create(database.db, bundle)).rejects.toThrow(/hl7 may not write Bundle/);
    const patients = new ResourceRules();
    patients.declare('Patient', plain([]));
    await expect(
      new SystemWriter('hl7', patients).create(database.db, { resourceType: 'Patient' }),
    ).rejects.toThrow(/hl7 may not write Patient/);
  });
});
