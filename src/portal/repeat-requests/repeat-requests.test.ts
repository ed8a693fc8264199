/** Repeat prescription requests: the patient asks, the prescriber's organisation answers. */
import type { MedicationRequest, Organization, PractitionerRole, Task } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../../test/databases.js';
import { errorCode, type PortalTest, parameters, startPortalTest } from '../../../test/support/portal/app.js';
import { REPEAT_REQUESTS_SERVICE } from '../services.js';
import { ODS_SYSTEM, PRESCRIBER_ORG_EXTENSION, REPEAT_REQUEST_CODE, TASK_CODE_SYSTEM } from './rules.js';

describe.each(databaseKinds)('repeat requests on %s', (kind) => {
  let p: PortalTest;
  let mine: Awaited<ReturnType<PortalTest['patient']>>;
  let theirs: Awaited<ReturnType<PortalTest['patient']>>;
  let prescriber: string;

  /** A prescribed item; `extra.extension: []` stores it without the prescriber-organisation extension. */
  const item = (patient: string, extra: Partial<MedicationRequest> = {}) => {
    const { extension, ...rest } = extra;
    const extensions = extension ?? [
      { url: PRESCRIBER_ORG_EXTENSION, valueIdentifier: { system: ODS_SYSTEM, value: 'A83008' } },
    ];
    return p.store<MedicationRequest>({
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'original-order',
      subject: { reference: patient },
      medicationCodeableConcept: {
        coding: [
          {
            system: 'http://snomed.info/sct',
            code: '39732311000001104',
            display: 'Amoxicillin 250mg capsules',
          },
        ],
      },
      ...(extensions.length > 0 ? { extension: extensions } : {}),
      ...rest,
    });
  };
  const request = (token: string, id: string, note?: string) =>
    p.call(
      token,
      'POST',
      '/fhir/R4/MedicationRequest/$request-repeat',
      parameters(
        { name: 'medicationRequest', valueReference: { reference: `MedicationRequest/${id}` } },
        ...(note ? [{ name: 'note', valueString: note }] : []),
      ),
    );
  const complete = (token: string, id: string, outcome: string, note?: string) =>
    p.call(
      token,
      'POST',
      `/fhir/R4/Task/${id}/$complete-repeat`,
      parameters(
        { name: 'outcome', valueCode: outcome },
        ...(note ? [{ name: 'note', valueString: note }] : []),
      ),
    );
  const tasksFor = async (medicationRequestId: string) =>
    (
      await p.t.pathways.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM search_reference
         WHERE resource_type = 'Task' AND param = 'focus' AND target_id = $1`,
        [medicationRequestId],
      )
    ).rows[0]?.n;

  beforeAll(async () => {
    p = await startPortalTest(kind);
    mine = await p.patient('Mine');
    theirs = await p.patient('Theirs');
    prescriber = await p.token({ roles: ['prescriber'], fhirUser: 'Practitioner/gp-1', org: 'A83008' });
  });
  afterAll(() => p.close());

  it('creates one Task for the prescriber organisation and announces it', async () => {
    const repeat = await item(mine.reference);
    const reply = await request(mine.token, repeat.id!, 'Running low');
    expect(reply.statusCode).toBe(201);
    expect(reply.headers.location).toMatch(/\/fhir\/R4\/Task\/[^/]+\/_history\/1$/);
    const task = reply.json() as Task;
    expect(task).toMatchObject({
      status: 'requested',
      intent: 'order',
      code: { coding: [{ system: TASK_CODE_SYSTEM, code: REPEAT_REQUEST_CODE }] },
      for: { reference: mine.reference },
      focus: { reference: `MedicationRequest/${repeat.id}` },
      owner: { identifier: { system: ODS_SYSTEM, value: 'A83008' } },
      note: [{ text: 'Running low' }],
    });
    expect(Date.parse(task.authoredOn!)).not.toBeNaN();
    const events = (await p.events('repeat-requested')).filter((event) => event.key === `Task/${task.id}`);
    expect(events.map((event) => event.payload)).toEqual([
      {
        patient: mine.reference,
        task: `Task/${task.id}`,
        prescriberOrg: 'A83008',
        medicationRequest: `MedicationRequest/${repeat.id}`,
      },
    ]);
    const own = await p.call(mine.token, 'GET', `/fhir/R4/Task/${task.id}`);
    expect(own.statusCode).toBe(200);
  });

  it('returns the open request instead of a second one, even when asked twice at once', async () => {
    const repeat = await item(mine.reference);
    const first = (await request(mine.token, repeat.id!)).json() as Task;
    const again = await request(mine.token, repeat.id!);
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(first.id);
    const other = await item(mine.reference);
    const replies = await Promise.all([request(mine.token, other.id!), request(mine.token, other.id!)]);
    expect(replies.map((reply) => reply.statusCode).sort()).toEqual([200, 201]);
    expect(await tasksFor(other.id!)).toBe(1);
    expect(
      (await p.events('repeat-requested')).filter(
        (e) => e.payload.medicationRequest === `MedicationRequest/${other.id}`,
      ),
    ).toHaveLength(1);
  });

  it('finds the organisation through the requester PractitionerRole when the item has no extension', async () => {
    const organization = await p.store<Organization>({
      resourceType: 'Organization',
      identifier: [{ system: ODS_SYSTEM, value: 'B82005' }],
      name: 'Riverside Surgery',
    });
    const byReference = await p.store<PractitionerRole>({
      resourceType: 'PractitionerRole',
      organization: { reference: `Organization/${organization.id}` },
    });
    const byIdentifier = await p.store<PractitionerRole>({
      resourceType: 'PractitionerRole',
      organization: { identifier: { system: ODS_SYSTEM, value: 'C81001' } },
    });
    const viaReference = await item(mine.reference, {
      extension: [],
      requester: { reference: `PractitionerRole/${byReference.id}` },
    });
    const viaIdentifier = await item(mine.reference, {
      extension: [],
      requester: { reference: `PractitionerRole/${byIdentifier.id}` },
    });
    expect((await request(mine.token, viaReference.id!)).json().owner.identifier.value).toBe('B82005');
    expect((await request(mine.token, viaIdentifier.id!)).json().owner.identifier.value).toBe('C81001');
    const nowhere = await item(mine.reference, {
      extension: [],
      requester: { reference: 'Practitioner/gp-1' },
    });
    const refused = await request(mine.token, nowhere.id!);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().issue[0].expression).toEqual(['MedicationRequest.requester']);
  });

  it('refuses items that cannot be repeated, bad parameters, and a sign-in without recent MFA', async () => {
    const plan = await item(mine.reference, { intent: 'plan' });
    expect(errorCode(await request(mine.token, plan.id!))).toBe('INVALID_STATE_TRANSITION');
    // Acute and repeat-dispensing (eRD) items: the pharmacy issues eRD, the GP is asked for acute.
    const acute = await item(mine.reference, { intent: 'order' });
    expect(errorCode(await request(mine.token, acute.id!))).toBe('INVALID_STATE_TRANSITION');
    const erd = await item(mine.reference, {
      intent: 'order',
      courseOfTherapyType: {
        coding: [
          {
            system: 'https://fhir.nhs.uk/CodeSystem/medicationrequest-course-of-therapy',
            code: 'continuous-repeat-dispensing',
          },
        ],
      },
    });
    const erdReply = await request(mine.token, erd.id!);
    expect([erdReply.statusCode, erdReply.json().issue[0].expression]).toEqual([
      409,
      ['MedicationRequest.courseOfTherapyType'],
    ]);
    expect(await tasksFor(acute.id!)).toBe(0);
    expect(await tasksFor(erd.id!)).toBe(0);
    const cancelled = await item(mine.reference, { status: 'cancelled' });
    expect((await request(mine.token, cancelled.id!)).statusCode).toBe(409);
    expect(await tasksFor(plan.id!)).toBe(0);
    expect((await request(mine.token, 'no-such-item')).statusCode).toBe(404);
    const noParameter = await p.call(
      mine.token,
      'POST',
      '/fhir/R4/MedicationRequest/$request-repeat',
      parameters(),
    );
    expect(errorCode(noParameter)).toBe('MISSING_VALUE');
    const wrongReference = await p.call(
      mine.token,
      'POST',
      '/fhir/R4/MedicationRequest/$request-repeat',
      parameters({ name: 'medicationRequest', valueReference: { reference: `Patient/${mine.id}` } }),
    );
    expect(wrongReference.statusCode).toBe(400);
    const repeat = await item(mine.reference);
    const stale = await p.token({
      roles: ['patient'],
      fhirUser: mine.reference,
      amr: ['pwd', 'otp'],
      authTime: Math.floor(Date.now() / 1000) - 3600,
    });
    const challenged = await request(stale, repeat.id!);
    expect(challenged.statusCode).toBe(401);
    expect(challenged.headers['www-authenticate']).toContain('insufficient_user_authentication');
    expect((await request(prescriber, repeat.id!)).statusCode).toBe(403);
    expect(await tasksFor(repeat.id!)).toBe(0);
  });

  it("refuses another patient's item (403), creates nothing, audits and raises a safety event", async () => {
    const repeat = await item(theirs.reference);
    const before = await p.wrongPatientEvents();
    const reply = await request(mine.token, repeat.id!);
    expect(reply.statusCode).toBe(403);
    expect(reply.body).not.toContain('Amoxicillin');
    expect(await tasksFor(repeat.id!)).toBe(0);
    expect(await p.wrongPatientEvents()).toBe(before + 1);
    expect((await p.refusedAudits(theirs.reference)).map((x) => x.entity)).toContain(
      `MedicationRequest/${repeat.id}`,
    );
  });

  it('lets the owning organisation’s prescriber complete or reject it, once', async () => {
    const repeat = await item(mine.reference);
    const task = (await request(mine.token, repeat.id!)).json() as Task;
    const elsewhere = await p.token({ roles: ['prescriber'], org: 'Z99999' });
    const before = (await p.refusedAudits(mine.reference)).length;
    expect((await complete(elsewhere, task.id!, 'completed')).statusCode).toBe(403);
    expect((await p.refusedAudits(mine.reference)).length).toBe(before + 1);
    expect((await complete(mine.token, task.id!, 'completed')).statusCode).toBe(403);
    expect((await complete(prescriber, task.id!, 'done')).statusCode).toBe(400);
    const done = await complete(prescriber, task.id!, 'completed', 'Issued for 28 days');
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({ status: 'completed', note: [{ text: 'Issued for 28 days' }] });
    expect(
      (await p.events('repeat-request-completed'))
        .filter((e) => e.key === `Task/${task.id}`)
        .map((e) => e.payload),
    ).toEqual([{ patient: mine.reference, task: `Task/${task.id}`, outcome: 'completed' }]);
    const twice = await complete(prescriber, task.id!, 'rejected');
    expect(twice.statusCode).toBe(409);
    expect(errorCode(twice)).toBe('INVALID_STATE_TRANSITION');
    // Closed: the next request is a new one.
    const next = await request(mine.token, repeat.id!);
    expect(next.statusCode).toBe(201);
    const rejected = await complete(prescriber, next.json().id, 'rejected', 'Please book a review');
    expect(rejected.json()).toMatchObject({
      status: 'rejected',
      statusReason: { text: 'Please book a review' },
    });
    const unrelated = await p.store<Task>({ resourceType: 'Task', status: 'requested', intent: 'order' });
    expect((await complete(prescriber, unrelated.id!, 'completed')).statusCode).toBe(404);
  });

  it('gives other capabilities the organisation’s worklist through the repeat-requests service', async () => {
    const service = p.t.pathways.services.get(REPEAT_REQUESTS_SERVICE);
    const open = await service.search(p.t.pathways.db, { ownerOds: 'A83008', status: 'requested' });
    expect(open.length).toBeGreaterThan(0);
    expect(
      open.every((task) => task.status === 'requested' && task.owner?.identifier?.value === 'A83008'),
    ).toBe(true);
    const all = await service.search(p.t.pathways.db, { ownerOds: 'A83008' });
    expect(all.some((task) => task.status === 'completed')).toBe(true);
    expect(
      await service.search(p.t.pathways.db, { ownerOds: 'B82005', status: ['completed', 'rejected'] }),
    ).toEqual([]);
    const task = open[0]!;
    const completed = await p.t.pathways.db.transaction((tx) =>
      service.complete(tx, task.id!, { outcome: 'rejected', note: 'Not due yet', by: 'Practitioner/gp-1' }),
    );
    expect(completed.status).toBe('rejected');
    expect((await p.events('repeat-request-completed')).some((e) => e.key === `Task/${task.id}`)).toBe(true);
  });

  it('answers GET /Task?code=…|repeat-request: the organisation’s worklist, or the patient’s own requests', async () => {
    const code = `code=${encodeURIComponent(`${TASK_CODE_SYSTEM}|${REPEAT_REQUEST_CODE}`)}`;
    const owner = `owner:identifier=${encodeURIComponent(`${ODS_SYSTEM}|A83008`)}`;
    const mineItem = await item(mine.reference);
    const theirItem = await item(theirs.reference);
    const myTask = (await request(mine.token, mineItem.id!)).json() as Task;
    const theirTask = (await request(theirs.token, theirItem.id!)).json() as Task;
    const taskIds = (reply: { json(): { entry?: Array<{ resource: Task }> } }) =>
      (reply.json().entry ?? []).map((entry) => entry.resource.id);

    const worklist = await p.call(
      prescriber,
      'GET',
      `/fhir/R4/Task?${code}&${owner}&status=requested&_count=100`,
    );
    expect(worklist.statusCode).toBe(200);
    expect(taskIds(worklist)).toEqual(expect.arrayContaining([myTask.id, theirTask.id]));
    const elsewhere = await p.token({ roles: ['prescriber'], org: 'Z99999' });
    expect((await p.call(elsewhere, 'GET', `/fhir/R4/Task?${code}&${owner}`)).statusCode).toBe(403);
    expect((await p.call(prescriber, 'GET', `/fhir/R4/Task?${code}`)).statusCode).toBe(400);

    const own = await p.call(mine.token, 'GET', `/fhir/R4/Task?${code}&_count=100`);
    expect(own.statusCode).toBe(200);
    expect(taskIds(own)).toContain(myTask.id);
    expect(taskIds(own)).not.toContain(theirTask.id);
    const before = await p.wrongPatientEvents();
    const snooping = await p.call(mine.token, 'GET', `/fhir/R4/Task?${code}&subject=${theirs.reference}`);
    expect(snooping.statusCode).toBe(403);
    expect(await p.wrongPatientEvents()).toBe(before + 1);
    // A second value would be ignored, so it is refused: the answer never rests on which one is read.
    for (const [query, name] of [
      [`subject=${mine.reference}&subject=${theirs.reference}`, 'subject'],
      ['_count=5&_count=0', '_count'],
    ]) {
      const repeated = await p.call(mine.token, 'GET', `/fhir/R4/Task?${code}&${query}`);
      expect(repeated.statusCode, query).toBe(400);
      expect(repeated.json().issue[0].expression, query).toEqual([name]);
    }
    const dispenser = await p.token({ roles: ['dispenser'], org: 'FCG71' });
    expect((await p.call(dispenser, 'GET', `/fhir/R4/Task?${code}&${owner}`)).statusCode).toBe(403);
  });
});
