/**
 * ORU^R01 order groups → DiagnosticReport + Observations (pure). OBR-25 gives the report status
 * (P preliminary, F final, C corrected, X cancelled); each OBX one Observation keyed by the
 * report, its code and sub-id, so a corrected result replaces the previous values in place.
 */
import type {
  DiagnosticReport,
  Identifier,
  Observation,
  ObservationReferenceRange,
  Organization,
  Reference,
} from '@medplum/fhirtypes';
import { ODS_SYSTEM } from '../adt/patient-mapping.js';
import { codeableConcept } from '../message/coded.js';
import type { SegmentReader } from '../message/fields.js';
import { CONDITION, contentError } from '../message/hl7-error.js';
import { hl7Instant } from '../message/hl7-time.js';

export const LAB_CATEGORY = {
  coding: [
    {
      system: 'http://terminology.hl7.org/CodeSystem/observation-category',
      code: 'laboratory',
      display: 'Laboratory',
    },
  ],
};

const REPORT_STATUS: Record<string, DiagnosticReport['status']> = {
  O: 'registered',
  I: 'registered',
  S: 'registered',
  R: 'preliminary',
  P: 'preliminary',
  A: 'partial',
  F: 'final',
  C: 'corrected',
  X: 'cancelled',
};

const OBSERVATION_STATUS: Record<string, Observation['status']> = {
  R: 'registered',
  I: 'registered',
  P: 'preliminary',
  F: 'final',
  C: 'corrected',
  X: 'cancelled',
  D: 'entered-in-error',
  W: 'entered-in-error',
};

const INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';

export interface ResultGroup {
  obr: SegmentReader;
  obx: SegmentReader[];
  /** NTE after the OBR (report comments) and after each OBX, by OBX index. */
  reportNotes: string[];
  observationNotes: Map<number, string[]>;
}

/** The OBR groups of a message in order: each OBR with the OBX and NTE segments that follow it. */
export function resultGroups(segments: SegmentReader[]): ResultGroup[] {
  const groups: ResultGroup[] = [];
  let current: ResultGroup | undefined;
  for (const segment of segments) {
    if (segment.name === 'OBR') {
      current = { obr: segment, obx: [], reportNotes: [], observationNotes: new Map() };
      groups.push(current);
    } else if (current && segment.name === 'OBX') {
      current.obx.push(segment);
    } else if (current && segment.name === 'NTE') {
      const text = segment
        .repetitions(3)
        .map((r) => r.component(1))
        .join('\n');
      if (!text) continue;
      if (current.obx.length === 0) current.reportNotes.push(text);
      else {
        const index = current.obx.length - 1;
        current.observationNotes.set(index, [...(current.observationNotes.get(index) ?? []), text]);
      }
    }
  }
  return groups;
}

export function reportIdentifier(
  obr: SegmentReader,
  orc: SegmentReader | undefined,
  facility: string,
): Identifier {
  const filler = obr.repetitions(3)[0] ?? orc?.repetitions(3)[0];
  const placer = obr.repetitions(2)[0] ?? orc?.repetitions(2)[0];
  const ei = filler?.component(1) ? filler : placer;
  const value = ei?.component(1);
  if (!ei || !value) {
    throw contentError(
      `${obr.label(3)} (filler order number) and OBR-2 (placer order number) are both empty`,
      {
        segment: 'OBR',
        sequence: obr.sequence,
        field: 3,
      },
    );
  }
  const kind = ei === filler ? 'filler' : 'placer';
  return { system: `urn:hl7-${kind}-order:${encodeURIComponent(ei.component(2) || facility)}`, value };
}

function performerOf(odsCode: string | undefined, facility: string): Reference<Organization>[] {
  return odsCode
    ? [{ identifier: { system: ODS_SYSTEM, value: odsCode }, display: facility }]
    : [{ display: facility }];
}

export function reportOf(
  group: ResultGroup,
  context: { identifier: Identifier; patient: string; facility: string; odsCode: string | undefined },
): DiagnosticReport {
  const { obr } = group;
  const code = codeableConcept(obr.repetitions(4)[0]);
  if (!code) {
    throw contentError('OBR-4 (universal service identifier) is empty', {
      segment: 'OBR',
      sequence: obr.sequence,
      field: 4,
    });
  }
  const statusCode = obr.text(25).toUpperCase();
  const status = statusCode ? REPORT_STATUS[statusCode] : 'final';
  if (!status) {
    throw contentError(
      `OBR-25 result status ${statusCode} is not one of O I S R P A F C X`,
      { segment: 'OBR', sequence: obr.sequence, field: 25 },
      CONDITION.tableValueNotFound,
    );
  }
  const effective = hl7Instant(obr.text(7));
  const issued = hl7Instant(obr.text(22));
  const note = group.reportNotes.join('\n');
  return {
    resourceType: 'DiagnosticReport',
    identifier: [context.identifier],
    status,
    category: [LAB_CATEGORY],
    code,
    subject: { reference: context.patient },
    ...(effective ? { effectiveDateTime: effective } : {}),
    ...(issued ? { issued } : {}),
    performer: performerOf(context.odsCode, context.facility),
    ...(note ? { conclusion: note } : {}),
  };
}

function referenceRange(text: string): ObservationReferenceRange[] | undefined {
  if (!text) return undefined;
  const match = /^\s*(-?\d+(?:\.\d+)?)\s*-\s*(-?\d+(?:\.\d+)?)\s*$/.exec(text);
  if (match) return [{ low: { value: Number(match[1]) }, high: { value: Number(match[2]) }, text }];
  return [{ text }];
}

function observationValue(obx: SegmentReader): Partial<Observation> {
  const type = obx.text(2).toUpperCase();
  const values = obx.repetitions(5);
  if (values.length === 0 || obx.isNull(5)) return {};
  switch (type) {
    case 'NM': {
      const number = Number(values[0]!.component(1));
      if (!Number.isFinite(number) || values[0]!.component(1) === '') {
        throw contentError(
          `${obx.label(5)} is not a number: ${values[0]!.component(1)}`,
          { segment: 'OBX', sequence: obx.sequence, field: 5 },
          CONDITION.dataTypeError,
        );
      }
      const unit = obx.repetitions(6)[0];
      const unitCode = unit?.component(1);
      const ucum = unit?.component(3).toUpperCase() === 'UCUM';
      return {
        valueQuantity: {
          value: number,
          ...(unitCode ? { unit: unit?.component(2) || unitCode } : {}),
          ...(unitCode && ucum ? { system: 'http://unitsofmeasure.org', code: unitCode } : {}),
        },
      };
    }
    case 'CE':
    case 'CWE':
    case 'CNE': {
      const concept = codeableConcept(values[0]);
      return concept ? { valueCodeableConcept: concept } : {};
    }
    case 'SN': {
      const comparator = values[0]!.component(1);
      const number = Number(values[0]!.component(2));
      if (
        Number.isFinite(number) &&
        values[0]!.component(2) !== '' &&
        ['<', '>', '<=', '>='].includes(comparator)
      ) {
        return { valueQuantity: { value: number, comparator: comparator as '<' } };
      }
      return { valueString: values[0]!.raw.replaceAll('^', '') };
    }
    default:
      // ST, TX, FT and anything else: the text, repetitions as lines.
      return { valueString: values.map((v) => v.component(1)).join('\n') };
  }
}

export function observationOf(
  group: ResultGroup,
  index: number,
  context: {
    reportIdentifier: Identifier;
    patient: string;
    facility: string;
    odsCode: string | undefined;
    reportStatus: DiagnosticReport['status'];
  },
): Observation {
  const obx = group.obx[index]!;
  const code = codeableConcept(obx.repetitions(3)[0]);
  if (!code) {
    throw contentError('OBX-3 (observation identifier) is empty', {
      segment: 'OBX',
      sequence: obx.sequence,
      field: 3,
    });
  }
  const subId = obx.text(4);
  const key = [context.reportIdentifier.value, code.coding?.[0]?.code ?? code.text, subId]
    .filter(Boolean)
    .join('/');
  const statusCode = obx.text(11).toUpperCase();
  const reportStatus = context.reportStatus === 'partial' ? 'preliminary' : context.reportStatus;
  const status: Observation['status'] =
    OBSERVATION_STATUS[statusCode] ?? (reportStatus as Observation['status']);
  const flag = obx.text(8).toUpperCase();
  const effective = hl7Instant(obx.text(14)) ?? hl7Instant(group.obr.text(7));
  const notes = group.observationNotes.get(index) ?? [];
  const range = referenceRange(obx.text(7));
  return {
    resourceType: 'Observation',
    identifier: [{ system: `${context.reportIdentifier.system}/observation`, value: key }],
    status,
    category: [LAB_CATEGORY],
    code,
    subject: { reference: context.patient },
    ...(effective ? { effectiveDateTime: effective } : {}),
    performer: performerOf(context.odsCode, context.facility),
    ...observationValue(obx),
    ...(flag ? { interpretation: [{ coding: [{ system: INTERPRETATION, code: flag }] }] } : {}),
    ...(range ? { referenceRange: range } : {}),
    ...(notes.length ? { note: notes.map((text) => ({ text })) } : {}),
  };
}
