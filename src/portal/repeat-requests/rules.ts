/**
 * Repeat prescription requests (pure): which MedicationRequests a patient may ask to repeat, who
 * the request goes to (the prescriber's organisation by ODS code), and the Task that carries it.
 */
import type { Identifier, MedicationRequest, Organization, Reference, Task } from '@medplum/fhirtypes';
import { ODS_SYSTEM } from '../../nhs/index.js';
import { Problem } from '../../platform/errors/problem.js';

/** The portal's modules (and the EPR feed's tests) name it from here too. */
export { ODS_SYSTEM };

export const TASK_CODE_SYSTEM = 'https://fhir.pathways.dev/CodeSystem/task-code';
export const REPEAT_REQUEST_CODE = 'repeat-request';
export const PRESCRIBER_ORG_EXTENSION =
  'https://fhir.pathways.dev/StructureDefinition/prescriber-organisation';
export const COMPLETED_BY_EXTENSION = 'https://fhir.pathways.dev/StructureDefinition/completed-by';

/** A request still waiting for the prescriber: a second one for the same item returns it. */
export const OPEN_STATUSES: readonly Task['status'][] = [
  'requested',
  'received',
  'accepted',
  'ready',
  'in-progress',
  'on-hold',
];
const REPEATABLE_INTENTS: ReadonlySet<string> = new Set(['original-order', 'instance-order', 'order']);
const REPEATABLE_STATUSES: ReadonlySet<string> = new Set(['active', 'completed']);

export type RepeatOutcome = 'completed' | 'rejected';

/** The course-of-therapy code systems EPS uses (docs/api.md §6). */
const HL7_COURSE = 'http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy';
const NHS_COURSE = 'https://fhir.nhs.uk/CodeSystem/medicationrequest-course-of-therapy';

export type PrescribingKind = 'repeat' | 'acute' | 'repeat-dispensing';

/**
 * How the item was prescribed. Its courseOfTherapyType when it has one (seasonal counts as a
 * repeat: the patient asks for it again each season); without one, EPS's intents: an
 * original-order or instance-order is repeat prescribing, an order is acute.
 */
export function prescribingKindOf(request: MedicationRequest): PrescribingKind {
  const codings = request.courseOfTherapyType?.coding ?? [];
  const has = (system: string, code: string) =>
    codings.some((coding) => coding.system === system && coding.code === code);
  if (has(NHS_COURSE, 'continuous-repeat-dispensing')) return 'repeat-dispensing';
  if (has(HL7_COURSE, 'acute')) return 'acute';
  if (has(HL7_COURSE, 'continuous') || has(HL7_COURSE, 'seasonal')) return 'repeat';
  return request.intent === 'order' ? 'acute' : 'repeat';
}

/** Why this prescribed item cannot be requested again, or undefined when it can. */
export function repeatRefusal(request: MedicationRequest): Problem | undefined {
  if (!REPEATABLE_INTENTS.has(request.intent)) {
    return new Problem('INVALID_STATE_TRANSITION', `A ${request.intent} cannot be requested as a repeat`, {
      expression: 'MedicationRequest.intent',
    });
  }
  const kind = prescribingKindOf(request);
  if (kind === 'repeat-dispensing') {
    return new Problem(
      'INVALID_STATE_TRANSITION',
      'This is a repeat dispensing prescription: your pharmacy gives you each issue when it is due, so there is nothing to request',
      { expression: 'MedicationRequest.courseOfTherapyType' },
    );
  }
  if (kind === 'acute') {
    return new Problem(
      'INVALID_STATE_TRANSITION',
      'This was a one-off (acute) prescription: ask your GP practice if you need more',
      { expression: 'MedicationRequest.courseOfTherapyType' },
    );
  }
  if (!REPEATABLE_STATUSES.has(request.status)) {
    return new Problem(
      'INVALID_STATE_TRANSITION',
      `This prescription is ${request.status}: ask your GP practice instead of requesting a repeat`,
      { expression: 'MedicationRequest.status' },
    );
  }
  return undefined;
}

const ODS = /^[A-Za-z0-9]{3,12}$/;

/** An ODS code from an identifier that is one (ODS system, or no system at all). */
export function odsOf(identifier: Identifier | undefined): string | undefined {
  const value = identifier?.value?.trim();
  if (!value || !ODS.test(value)) return undefined;
  return identifier?.system === undefined || identifier.system === ODS_SYSTEM ? value : undefined;
}

export function odsOfOrganization(organization: Organization): string | undefined {
  for (const identifier of organization.identifier ?? []) {
    if (identifier.system === ODS_SYSTEM) {
      const ods = odsOf(identifier);
      if (ods) return ods;
    }
  }
  return undefined;
}

/** The extension the prescribing capability puts on each stored item, when present. */
export function prescriberOrgFromExtension(request: MedicationRequest): string | undefined {
  const extension = request.extension?.find((item) => item.url === PRESCRIBER_ORG_EXTENSION);
  return odsOf(extension?.valueIdentifier);
}

/** `{type, id}` of a literal reference, e.g. the requester PractitionerRole. */
export function literal(reference: Reference | undefined): { type: string; id: string } | undefined {
  const match = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(reference?.reference ?? '');
  return match?.[1] && match[2] ? { type: match[1], id: match[2] } : undefined;
}

export function newRepeatRequest(input: {
  patient: string;
  medicationRequestId: string;
  prescriberOrg: string;
  note: string | undefined;
  now: Date;
}): Task {
  const now = input.now.toISOString();
  return {
    resourceType: 'Task',
    status: 'requested',
    intent: 'order',
    code: {
      coding: [
        { system: TASK_CODE_SYSTEM, code: REPEAT_REQUEST_CODE, display: 'Repeat prescription request' },
      ],
    },
    for: { reference: input.patient },
    focus: { reference: `MedicationRequest/${input.medicationRequestId}` },
    requester: { reference: input.patient },
    owner: { identifier: { system: ODS_SYSTEM, value: input.prescriberOrg } },
    authoredOn: now,
    lastModified: now,
    ...(input.note
      ? { note: [{ text: input.note, authorReference: { reference: input.patient }, time: now }] }
      : {}),
  };
}

export function isRepeatRequest(task: Task): boolean {
  return (task.code?.coding ?? []).some(
    (coding) => coding.system === TASK_CODE_SYSTEM && coding.code === REPEAT_REQUEST_CODE,
  );
}

export function isOpen(task: Task): boolean {
  return OPEN_STATUSES.includes(task.status);
}

export function ownerOds(task: Task): string | undefined {
  return odsOf(task.owner?.identifier);
}

const REFERENCE = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/;

/** The Task after the prescriber's decision; `by` is a reference (Practitioner/…) or a label. */
export function completedRequest(
  task: Task,
  decision: { outcome: RepeatOutcome; note?: string | undefined; by: string; now: Date },
): Task {
  if (!isOpen(task)) {
    throw new Problem('INVALID_STATE_TRANSITION', `This repeat request is already ${task.status}`, {
      expression: 'Task.status',
    });
  }
  const now = decision.now.toISOString();
  const author = REFERENCE.test(decision.by)
    ? { authorReference: { reference: decision.by } }
    : { authorString: decision.by };
  const by = REFERENCE.test(decision.by)
    ? { valueReference: { reference: decision.by } }
    : { valueString: decision.by };
  return {
    ...task,
    status: decision.outcome,
    lastModified: now,
    ...(decision.outcome === 'rejected' && decision.note ? { statusReason: { text: decision.note } } : {}),
    ...(decision.note ? { note: [...(task.note ?? []), { text: decision.note, time: now, ...author }] } : {}),
    extension: [
      ...(task.extension ?? []).filter((item) => item.url !== COMPLETED_BY_EXTENSION),
      { url: COMPLETED_BY_EXTENSION, ...by },
    ],
  };
}
