import type { DiagnosticReport, Observation } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import {
  isLaboratory,
  isObservationVisible,
  isReleasedTo,
  type Release,
  releaseRefusal,
  visibleFromOf,
} from './visibility.js';

const released = (visibleFrom: string, patient = 'Patient/p1'): Release => ({
  reportId: 'r1',
  patient,
  releasedAt: new Date('2026-05-01T09:00:00Z'),
  releasedBy: 'Practitioner/c1',
  visibleFrom: new Date(visibleFrom),
  seenAt: undefined,
});

describe('result release rules', () => {
  it('makes a report visible from release plus the delay', () => {
    expect(visibleFromOf(new Date('2026-05-01T09:00:00Z'), 86_400).toISOString()).toBe(
      '2026-05-02T09:00:00.000Z',
    );
    expect(visibleFromOf(new Date('2026-05-01T09:00:00Z'), 0).toISOString()).toBe('2026-05-01T09:00:00.000Z');
  });

  it('hides an unreleased report, and a released one until the delay has passed', () => {
    const now = new Date('2026-05-02T08:59:59Z');
    expect(isReleasedTo(undefined, 'Patient/p1', now)).toBe(false);
    expect(isReleasedTo(released('2026-05-02T09:00:00Z'), 'Patient/p1', now)).toBe(false);
    expect(
      isReleasedTo(released('2026-05-02T09:00:00Z'), 'Patient/p1', new Date('2026-05-02T09:00:00Z')),
    ).toBe(true);
  });

  it('shows a release only to the patient it was released for', () => {
    const now = new Date('2026-06-01T00:00:00Z');
    expect(isReleasedTo(released('2026-05-02T09:00:00Z', 'Patient/p1'), 'Patient/p2', now)).toBe(false);
    expect(isReleasedTo(released('2026-05-02T09:00:00Z', 'Patient/p1'), undefined, now)).toBe(false);
  });

  it('releases only complete reports that name a patient', () => {
    const report = (status: DiagnosticReport['status']): DiagnosticReport => ({
      resourceType: 'DiagnosticReport',
      status,
      code: { text: 'FBC' },
    });
    expect(releaseRefusal(report('final'), 'Patient/p1')).toBeUndefined();
    expect(releaseRefusal(report('amended'), 'Patient/p1')).toBeUndefined();
    const preliminary = releaseRefusal(report('preliminary'), 'Patient/p1');
    expect(preliminary?.code).toBe('INVALID_STATE_TRANSITION');
    expect(preliminary?.issues[0]?.expression).toBe('DiagnosticReport.status');
    expect(releaseRefusal(report('registered'), 'Patient/p1')?.code).toBe('INVALID_STATE_TRANSITION');
    expect(releaseRefusal(report('final'), undefined)?.issues[0]?.expression).toBe(
      'DiagnosticReport.subject',
    );
  });
});

describe('observation visibility', () => {
  const observation = (category?: { system?: string; code: string }): Observation => ({
    resourceType: 'Observation',
    status: 'final',
    code: { text: 'Haemoglobin' },
    ...(category ? { category: [{ coding: [category] }] } : {}),
  });
  const lab = observation({
    system: 'http://terminology.hl7.org/CodeSystem/observation-category',
    code: 'laboratory',
  });

  it('follows the reports that refer to it: visible when any of them is', () => {
    expect(isObservationVisible(lab, ['r1'], new Set())).toBe(false);
    expect(isObservationVisible(lab, ['r1', 'r2'], new Set(['r2']))).toBe(true);
    expect(isObservationVisible(observation(), ['r1'], new Set())).toBe(false);
  });

  it('keeps a laboratory result no report refers to hidden, and shows the patient’s other observations', () => {
    expect(isObservationVisible(lab, [], new Set())).toBe(false);
    expect(isObservationVisible(observation({ code: 'laboratory' }), [], new Set())).toBe(false);
    expect(isObservationVisible(observation({ code: 'vital-signs' }), [], new Set())).toBe(true);
    expect(isObservationVisible(observation(), [], new Set())).toBe(true);
  });

  it('recognises the laboratory category only in its own code system', () => {
    expect(isLaboratory(lab)).toBe(true);
    expect(isLaboratory(observation({ system: 'http://example.org/other', code: 'laboratory' }))).toBe(false);
  });
});
