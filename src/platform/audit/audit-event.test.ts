import { describe, expect, it } from 'vitest';
import { ODS_SYSTEM } from '../../nhs/index.js';
import {
  type AuditInput,
  buildAuditEvent,
  defaultAction,
  REST_INTERACTIONS,
  toChainFields,
} from './audit-event.js';

const context = {
  id: '7d6f3c1e-2f1a-4c55-9a57-0d4b8a3f1e20',
  recorded: '2025-03-01T10:00:00.123Z',
  observer: 'pathways',
  site: 'replica-a',
};

const read: AuditInput = {
  subtype: 'read',
  outcome: '0',
  agent: { reference: 'Practitioner/pr1', roles: ['prescriber'], org: 'A83008', ip: '10.0.0.7' },
  entity: { reference: 'MedicationRequest/mr1' },
  patient: 'Patient/p1',
  purpose: 'TREAT',
  requestId: 'req-1',
};

describe('buildAuditEvent', () => {
  it('builds a RESTful read with agent, source, entities and purpose', () => {
    const event = buildAuditEvent(read, context);
    expect(event).toMatchObject({
      resourceType: 'AuditEvent',
      id: context.id,
      recorded: context.recorded,
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
      subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read' }],
      action: 'R',
      outcome: '0',
      purposeOfEvent: [
        { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT' }] },
      ],
      source: {
        site: 'replica-a',
        observer: { display: 'pathways' },
        type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4' }],
      },
    });
    expect(event.agent[0]).toEqual({
      who: { reference: 'Practitioner/pr1' },
      requestor: true,
      role: [{ coding: [{ system: 'https://fhir.pathways.dev/CodeSystem/role', code: 'prescriber' }] }],
      network: { address: '10.0.0.7', type: '2' },
      purposeOfUse: [
        { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT' }] },
      ],
    });
    expect(event.agent[1]).toMatchObject({
      who: { identifier: { system: ODS_SYSTEM, value: 'A83008' } },
      requestor: false,
    });
    expect(event.entity).toEqual([
      expect.objectContaining({
        what: { reference: 'MedicationRequest/mr1' },
        role: expect.objectContaining({ code: '4' }),
      }),
      expect.objectContaining({
        what: { reference: 'Patient/p1' },
        role: expect.objectContaining({ code: '1' }),
      }),
      expect.objectContaining({
        what: { identifier: { value: 'req-1' } },
        type: expect.objectContaining({ code: 'XrequestId' }),
      }),
    ]);
  });

  it('records a break-the-glass read with BTG and the reason the user stated', () => {
    const reason = 'Unconscious in A&E; allergies needed';
    const event = buildAuditEvent({ ...read, purpose: 'BTG', purposeReason: reason }, context);
    const btg = {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'BTG' }],
      text: reason,
    };
    expect(event.purposeOfEvent).toEqual([btg]);
    expect(event.agent[0]?.purposeOfUse).toEqual([btg]);
    expect(() => buildAuditEvent({ ...read, purpose: undefined, purposeReason: reason }, context)).toThrow(
      /purposeReason/,
    );
  });

  it('names the patient once when the resource read is the patient', () => {
    const event = buildAuditEvent({ ...read, entity: { reference: 'Patient/p1' } }, context);
    expect(event.entity?.filter((entity) => entity.what?.reference === 'Patient/p1')).toHaveLength(1);
  });

  it('records a search over a type as a query entity', () => {
    const event = buildAuditEvent(
      { ...read, subtype: 'search-type', entity: { reference: 'Task' } },
      context,
    );
    expect(event.action).toBe('E');
    expect(event.entity?.[0]).toMatchObject({ what: { type: 'Task' }, role: { code: '24' } });
  });

  it('lists every resource a search returned in one record, the patient once', () => {
    const event = buildAuditEvent(
      {
        ...read,
        subtype: 'search-type',
        entity: { reference: 'Task' },
        returned: ['Task/t1', 'Task/t2', 'Patient/p1', 'Task/t3'],
      },
      context,
    );
    expect(
      event.entity?.map((entity) => [entity.what?.reference ?? entity.what?.type, entity.role?.code]),
    ).toEqual([
      ['Task', '24'],
      ['Task/t1', '4'],
      ['Task/t2', '4'],
      ['Task/t3', '4'],
      ['Patient/p1', '1'],
      [undefined, undefined],
    ]);
    expect(() =>
      buildAuditEvent({ ...read, subtype: 'search-type', returned: ['Task/t1', 'Jane Smith'] }, context),
    ).toThrow(/returned/);
  });

  it('uses the DICOM codes for sign-in events and a display for an unauthenticated agent', () => {
    const event = buildAuditEvent(
      {
        subtype: 'login',
        outcome: '4',
        agent: { display: 'unauthenticated', ip: '192.0.2.1' },
        detail: 'wrong password',
      },
      context,
    );
    expect(event).toMatchObject({
      type: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110114' },
      subtype: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110122' }],
      action: 'E',
      outcome: '4',
      outcomeDesc: 'wrong password',
    });
    expect(event.agent[0]!.who).toEqual({ display: 'unauthenticated' });
    expect(event.entity).toBeUndefined();
  });

  it('uses Security Alert for account changes', () => {
    const event = buildAuditEvent(
      {
        subtype: 'user-security-attributes-changed',
        action: 'U',
        outcome: '0',
        agent: { reference: 'Practitioner/sd1' },
      },
      context,
    );
    expect(event.type.code).toBe('110113');
    expect(event.subtype?.[0]?.code).toBe('110137');
    expect(event.action).toBe('U');
  });

  it('defaults the action from the interaction', () => {
    expect(REST_INTERACTIONS.map((subtype) => `${subtype}:${defaultAction(subtype)}`)).toEqual(
      expect.arrayContaining([
        'create:C',
        'read:R',
        'vread:R',
        'history-instance:R',
        'update:U',
        'patch:U',
        'delete:D',
        'search-type:E',
        'operation:E',
      ]),
    );
  });

  it('keeps personal data out: only references and codes, nothing it was not given', () => {
    const text = JSON.stringify(buildAuditEvent(read, context));
    expect(text).not.toMatch(/"(name|family|given|birthDate|telecom|line|postalCode)"/);
  });

  it('refuses malformed references rather than storing free text', () => {
    expect(() => buildAuditEvent({ ...read, patient: 'Jane Smith' }, context)).toThrow(/patient/);
    expect(() => buildAuditEvent({ ...read, patient: 'Practitioner/1' }, context)).toThrow(/patient/);
    expect(() => buildAuditEvent({ ...read, agent: { reference: 'Dr Jones' } }, context)).toThrow(/agent/);
    expect(() => buildAuditEvent({ ...read, entity: { reference: 'not a reference' } }, context)).toThrow(
      /entity/,
    );
    expect(() => buildAuditEvent({ ...read, subtype: 'bogus' as never }, context)).toThrow(/subtype/);
  });

  it('accepts versioned references', () => {
    const event = buildAuditEvent(
      { ...read, subtype: 'vread', entity: { reference: 'Task/t1/_history/2' } },
      context,
    );
    expect(event.entity?.[0]?.what).toEqual({ reference: 'Task/t1/_history/2' });
  });
});

describe('toChainFields', () => {
  it('derives the indexed columns and keeps the JSON as content', () => {
    const event = buildAuditEvent(read, context);
    const fields = toChainFields(event, read);
    expect(fields).toEqual({
      id: context.id,
      recorded: context.recorded,
      patient: 'Patient/p1',
      agent: 'Practitioner/pr1',
      action: 'R',
      content: JSON.stringify(event),
    });
    const anonymous = { ...read, agent: { display: 'client-x' } };
    delete anonymous.patient;
    expect(toChainFields(buildAuditEvent(anonymous, context), anonymous)).toMatchObject({
      patient: null,
      agent: 'client-x',
    });
  });
});
