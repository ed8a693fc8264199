/**
 * What the hospital feed may change of a Task (task-rules.ts): a repeat request moved to the
 * surviving record by a merge, and the EPR's answer on it — nothing else, checked in the write
 * against the stored version, as the feed's system writer on both databases.
 */
import type { Task } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../test/databases.js';
import { ResourceRules } from '../platform/fhir/resource-rules.js';
import { createResource, readCurrent } from '../platform/fhir/store/repository.js';
import { SystemWriter } from '../platform/fhir/store/system-writes.js';
import { REPEAT_REQUEST_CODE, TASK_CODE_SYSTEM } from '../portal/index.js';
import { declareHl7Types, HL7_WRITER } from './resource-types.js';
import { EPR_DELIVERY_EXTENSION, feedTaskRefusal } from './task-rules.js';

const RETIRED = 'Patient/retired-1';
const SURVIVOR = 'Patient/survivor-1';

const repeatRequest: Task = {
  resourceType: 'Task',
  id: 'task-1',
  meta: { versionId: '1', lastUpdated: '2026-11-22T10:00:00.000Z' },
  status: 'requested',
  intent: 'order',
  code: { coding: [{ system: TASK_CODE_SYSTEM, code: REPEAT_REQUEST_CODE }] },
  for: { reference: RETIRED },
  requester: { reference: RETIRED },
  focus: { reference: 'MedicationRequest/item-1' },
  owner: { identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'A83008' } },
  note: [{ text: 'Please', authorReference: { reference: RETIRED } }],
  extension: [{ url: 'https://example.org/other', valueString: 'kept' }],
};

const delivery = (state: 'delivered' | 'refused') => ({
  url: EPR_DELIVERY_EXTENSION,
  extension: [
    { url: 'state', valueCode: state },
    { url: 'event', valueString: 'event-1' },
  ],
});

/** As merge-handler.ts moves it: every reference to the retired record names the survivor. */
const merged = (task: Task): Task =>
  JSON.parse(JSON.stringify(task).replaceAll(`"${RETIRED}"`, `"${SURVIVOR}"`)) as Task;

describe('what the hospital feed may change of a Task', () => {
  it('lets a merge move a repeat request to the survivor, every reference to the patient with it', () => {
    const { meta: _meta, ...body } = merged(repeatRequest);
    expect(feedTaskRefusal(repeatRequest, body)).toBeUndefined();
  });

  it("lets it record the EPR's answer, and replace an earlier one", () => {
    const answered = { ...repeatRequest, extension: [...repeatRequest.extension!, delivery('refused')] };
    expect(feedTaskRefusal(repeatRequest, answered)).toBeUndefined();
    const again = { ...answered, extension: [...repeatRequest.extension!, delivery('delivered')] };
    expect(feedTaskRefusal(answered, again)).toBeUndefined();
  });

  it('refuses to create a Task, or to change a Task that is not a repeat request', () => {
    expect(feedTaskRefusal(undefined, repeatRequest)).toMatch(/creates no Task/);
    const prescriptionTask: Task = { ...repeatRequest, code: { text: 'release' } };
    expect(feedTaskRefusal(prescriptionTask, merged(prescriptionTask))).toMatch(
      /no Task but a repeat request/,
    );
  });

  it.each([
    ['its status', { status: 'completed' }],
    ['its owner', { owner: { identifier: { value: 'Y12345' } } }],
    ['its medicine', { focus: { reference: 'MedicationRequest/other' } }],
    ['its note', { note: [{ text: 'changed' }] }],
    ['its code', { code: { coding: [{ system: TASK_CODE_SYSTEM, code: 'other' }] } }],
    ['another extension', { extension: [delivery('delivered')] }],
  ] as const)('refuses a change to %s, with a merge or an answer or alone', (_what, change) => {
    const changed = { ...repeatRequest, ...change } as Task;
    expect(feedTaskRefusal(repeatRequest, changed)).toMatch(/nothing else/);
    expect(feedTaskRefusal(repeatRequest, merged(changed))).toMatch(/nothing else/);
  });

  it('refuses to move one patient reference but not the others, or to name anything but a Patient', () => {
    expect(feedTaskRefusal(repeatRequest, { ...repeatRequest, for: { reference: SURVIVOR } })).toMatch(
      /nothing else/,
    );
    expect(feedTaskRefusal(repeatRequest, { ...repeatRequest, for: { reference: 'Group/g1' } })).toMatch(
      /a Patient/,
    );
    const { for: _for, ...unnamed } = repeatRequest;
    expect(feedTaskRefusal(repeatRequest, unnamed)).toMatch(/a Patient/);
  });
});

describe.each(databaseKinds)('the feed writes Tasks through their declared rules on %s', (kind) => {
  let database: TestDatabase;
  const rules = new ResourceRules();
  declareHl7Types(rules);
  const writer = new SystemWriter(HL7_WRITER, rules);

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    // Stored as the portal stores a repeat request (its own operation, not the feed).
    const { meta: _meta, ...request } = repeatRequest;
    await createResource(database.db, request, { id: 'task-1' });
  });
  afterAll(async () => database?.dispose());

  async function stored(): Promise<Task> {
    return JSON.parse((await readCurrent(database.db, 'Task', 'task-1'))!.content) as Task;
  }

  it('writes a merge and an answer, and refuses any other change, writing nothing', async () => {
    const before = await stored();
    await expect(
      database.db.transaction((tx) =>
        writer.update(tx, { ...before, id: 'task-1', status: 'completed' }, { before }),
      ),
    ).rejects.toThrow(/nothing else/);
    const { id: _id, meta: _meta, ...fresh } = repeatRequest;
    await expect(database.db.transaction((tx) => writer.create(tx, fresh))).rejects.toThrow(
      /creates no Task/,
    );
    expect((await stored()).meta!.versionId).toBe(before.meta!.versionId);

    const moved = merged(before);
    await database.db.transaction((tx) => writer.update(tx, { ...moved, id: 'task-1' }));
    const answered = await stored();
    expect(answered.for?.reference).toBe(SURVIVOR);
    await database.db.transaction((tx) =>
      writer.update(
        tx,
        { ...answered, id: 'task-1', extension: [...answered.extension!, delivery('delivered')] },
        { before: answered },
      ),
    );
    const final = await stored();
    expect(final.extension).toContainEqual(delivery('delivered'));
    expect(final.status).toBe('requested');
    expect(final.meta!.versionId).toBe('3');
  });
});
