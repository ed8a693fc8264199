/**
 * Builds the FHIR R4 AuditEvent for one access or security event (pure). Codes come from the
 * standard code systems: RESTful interactions (audit-event-type `rest` + restful-interaction) and
 * DICOM security events (User Authentication login/logout, Security Alert).
 *
 * Personal data stays out: agents, entities and the patient are references (or a non-personal
 * display such as a client id), never names; `detail` and `purpose` must not carry any either.
 * The one free text is `purposeReason`, the reason a user stated for breaking the glass, kept as
 * written because reviewing it is the point.
 */
import type {
  AuditEvent,
  AuditEventAgent,
  AuditEventEntity,
  CodeableConcept,
  Coding,
} from '@medplum/fhirtypes';
import { PATIENT_REFERENCE } from '../fhir/ids.js';
import type { ChainFields } from './record-hash.js';

export type AuditAction = 'C' | 'R' | 'U' | 'D' | 'E';
/** 0 success, 4 minor failure (e.g. refused request), 8 serious failure, 12 major failure. */
export type AuditOutcome = '0' | '4' | '8' | '12';

export const REST_INTERACTIONS = [
  'read',
  'vread',
  'update',
  'patch',
  'delete',
  'history',
  'history-instance',
  'history-type',
  'history-system',
  'create',
  'search',
  'search-type',
  'search-system',
  'capabilities',
  'transaction',
  'batch',
  'operation',
] as const;
export type RestInteraction = (typeof REST_INTERACTIONS)[number];

/** Security events: sign-in and sign-out, and alerts (account or role changes, refused access). */
export const SECURITY_EVENTS = {
  login: { type: ['110114', 'User Authentication'], subtype: ['110122', 'Login'] },
  logout: { type: ['110114', 'User Authentication'], subtype: ['110123', 'Logout'] },
  'user-security-attributes-changed': {
    type: ['110113', 'Security Alert'],
    subtype: ['110137', 'User Security Attributes Changed'],
  },
  'security-roles-changed': {
    type: ['110113', 'Security Alert'],
    subtype: ['110136', 'Security Roles Changed'],
  },
  'use-of-restricted-function': {
    type: ['110113', 'Security Alert'],
    subtype: ['110132', 'Use of Restricted Function'],
  },
} as const;
export type SecurityEvent = keyof typeof SECURITY_EVENTS;

export type AuditSubtype = RestInteraction | SecurityEvent;

export interface AuditInput {
  /** Defaults from the subtype: create C, read/vread/history R, update/patch U, delete D, else E. */
  action?: AuditAction;
  subtype: AuditSubtype;
  outcome: AuditOutcome;
  agent: {
    /** `Practitioner/…`, `Patient/…`, `Device/…` (system client), … */
    reference?: string;
    /** When there is no reference: a non-personal label such as a client id or 'unauthenticated'. */
    display?: string;
    roles?: string[];
    /** ODS code of the organisation the agent acts for. */
    org?: string;
    ip?: string;
  };
  /** The resource acted on (`Type/id`, `Type/id/_history/v`), or a bare type for a search. */
  entity?: { reference: string; type?: string };
  /**
   * Every resource a search returned (`Type/id`): one record lists them all, rather than one
   * record per resource.
   */
  returned?: readonly string[];
  /** `Patient/<id>` whose data was touched. */
  patient?: string;
  /** A v3-ActReason code, e.g. TREAT, PATRQT, HOPERAT, BTG (break the glass). */
  purpose?: string;
  /**
   * The reason the user stated for that purpose, as written (a break-the-glass read): kept so the
   * organisation can review it. Plain text, at most a few hundred characters.
   */
  purposeReason?: string;
  requestId?: string;
  /** Short non-personal description of the outcome (why it failed). */
  detail?: string;
}

export const DCM_SYSTEM = 'http://dicom.nema.org/resources/ontology/DCM';
export const ROLE_SYSTEM = 'https://fhir.pathways.dev/CodeSystem/role';
export const ODS_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';
const REQUEST_ID_TYPE = {
  system: 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType',
  code: 'XrequestId',
};

const REFERENCE = /^[A-Z][A-Za-z]{1,63}\/[A-Za-z0-9\-.]{1,64}(\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;
const PATIENT = PATIENT_REFERENCE;

export interface BuildContext {
  id: string;
  /** RFC 3339 with milliseconds (Date.toISOString). */
  recorded: string;
  /** Who observed the event: this service, optionally with the replica as the site. */
  observer: string;
  site?: string;
}

export function defaultAction(subtype: AuditSubtype): AuditAction {
  if (subtype === 'create') return 'C';
  if (subtype === 'update' || subtype === 'patch') return 'U';
  if (subtype === 'delete') return 'D';
  if (subtype === 'read' || subtype === 'vread' || subtype.startsWith('history')) return 'R';
  return 'E';
}

export function buildAuditEvent(input: AuditInput, context: BuildContext): AuditEvent {
  checkInput(input);
  // The purpose of the event, and the requestor's own purpose of use (IHE BALP puts BTG there).
  const purpose: CodeableConcept | undefined = input.purpose
    ? {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: input.purpose }],
        ...(input.purposeReason ? { text: input.purposeReason } : {}),
      }
    : undefined;
  const event: AuditEvent = {
    resourceType: 'AuditEvent',
    id: context.id,
    ...typeAndSubtype(input.subtype),
    action: input.action ?? defaultAction(input.subtype),
    recorded: context.recorded,
    outcome: input.outcome,
    ...(input.detail ? { outcomeDesc: input.detail } : {}),
    ...(purpose ? { purposeOfEvent: [purpose] } : {}),
    agent: agents(input.agent, purpose),
    source: {
      ...(context.site ? { site: context.site } : {}),
      observer: { display: context.observer },
      type: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/security-source-type',
          code: '4',
          display: 'Application Server',
        },
      ],
    },
  };
  const entities = entitiesOf(input);
  if (entities.length > 0) event.entity = entities;
  return event;
}

/** The stored columns of one record (everything but seq and the hashes). */
export function toChainFields(event: AuditEvent, input: AuditInput): ChainFields {
  return {
    id: event.id!,
    recorded: event.recorded,
    patient: input.patient ?? null,
    agent: input.agent.reference ?? input.agent.display ?? null,
    action: event.action!,
    content: JSON.stringify(event),
  };
}

function checkInput(input: AuditInput): void {
  const isRest = (REST_INTERACTIONS as readonly string[]).includes(input.subtype);
  if (!isRest && !(input.subtype in SECURITY_EVENTS))
    throw new TypeError(`audit: unknown subtype ${input.subtype}`);
  if (input.patient !== undefined && !PATIENT.test(input.patient)) {
    throw new TypeError('audit: patient must be Patient/<id>');
  }
  if (input.agent.reference !== undefined && !REFERENCE.test(input.agent.reference)) {
    throw new TypeError('audit: agent.reference must be Type/<id>');
  }
  // The display is also stored in a text column, where PostgreSQL refuses NUL characters.
  if (input.agent.display?.includes('\u0000')) throw new TypeError('audit: agent.display contains NUL');
  if (
    input.purposeReason !== undefined &&
    (input.purpose === undefined || input.purposeReason.includes('\u0000'))
  ) {
    throw new TypeError('audit: purposeReason needs a purpose and no NUL');
  }
  const entity = input.entity?.reference;
  if (entity !== undefined && !REFERENCE.test(entity) && !RESOURCE_TYPE.test(entity)) {
    throw new TypeError(
      'audit: entity.reference must be Type/<id>, Type/<id>/_history/<v> or a resource type',
    );
  }
  if (input.returned?.some((reference) => !REFERENCE.test(reference))) {
    throw new TypeError('audit: every returned reference must be Type/<id>');
  }
}

function typeAndSubtype(subtype: AuditSubtype): Pick<AuditEvent, 'type' | 'subtype'> {
  if (subtype in SECURITY_EVENTS) {
    const codes = SECURITY_EVENTS[subtype as SecurityEvent];
    return {
      type: { system: DCM_SYSTEM, code: codes.type[0], display: codes.type[1] },
      subtype: [{ system: DCM_SYSTEM, code: codes.subtype[0], display: codes.subtype[1] }],
    };
  }
  return {
    type: {
      system: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
      code: 'rest',
      display: 'RESTful Operation',
    },
    subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: subtype }],
  };
}

function agents(agent: AuditInput['agent'], purpose: CodeableConcept | undefined): AuditEventAgent[] {
  const requestor: AuditEventAgent = {
    who: agent.reference ? { reference: agent.reference } : { display: agent.display ?? 'unknown' },
    requestor: true,
  };
  if (purpose) requestor.purposeOfUse = [purpose];
  if (agent.roles && agent.roles.length > 0) {
    requestor.role = agent.roles.map((role) => ({ coding: [{ system: ROLE_SYSTEM, code: role }] }));
  }
  if (agent.ip) requestor.network = { address: agent.ip, type: '2' };
  const all = [requestor];
  if (agent.org) {
    // The organisation the person acts for, by ODS code (R4 agent has no onBehalfOf).
    all.push({
      type: {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/v3-RoleClass',
            code: 'PROV',
            display: 'healthcare provider',
          },
        ],
      },
      who: { identifier: { system: ODS_SYSTEM, value: agent.org } },
      requestor: false,
    });
  }
  return all;
}

function entitiesOf(input: AuditInput): AuditEventEntity[] {
  const entities: AuditEventEntity[] = [];
  const objectType = (code: string, display: string): Coding => ({
    system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
    code,
    display,
  });
  const objectRole = (code: string, display: string): Coding => ({
    system: 'http://terminology.hl7.org/CodeSystem/object-role',
    code,
    display,
  });
  const reference = input.entity?.reference;
  if (reference && reference !== input.patient) {
    const typeOnly = RESOURCE_TYPE.test(reference);
    entities.push({
      what: (typeOnly
        ? { type: reference }
        : {
            reference,
            ...(input.entity?.type ? { type: input.entity.type } : {}),
          }) as AuditEventEntity['what'],
      type: objectType('2', 'System Object'),
      role: typeOnly ? objectRole('24', 'Query') : objectRole('4', 'Domain Resource'),
    });
  }
  for (const returned of input.returned ?? []) {
    if (returned === input.patient) continue;
    entities.push({
      what: { reference: returned },
      type: objectType('2', 'System Object'),
      role: objectRole('4', 'Domain Resource'),
    });
  }
  if (input.patient) {
    entities.push({
      what: { reference: input.patient },
      type: objectType('1', 'Person'),
      role: objectRole('1', 'Patient'),
    });
  }
  if (input.requestId)
    entities.push({ what: { identifier: { value: input.requestId } }, type: REQUEST_ID_TYPE });
  return entities;
}
