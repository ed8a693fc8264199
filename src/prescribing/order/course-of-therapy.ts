/**
 * Course of therapy and repeat dispensing (eRD) as the EPS FHIR specification codes them, pure.
 *
 * - `acute`, `continuous`, `seasonal` come from HL7's medicationrequest-course-of-therapy;
 *   `continuous-repeat-dispensing` from NHS England's own code system of the same name.
 * - An eRD order (intent `order` or `original-order`) authorises `numberOfRepeatsAllowed + 1`
 *   issues (FHIR's meaning: repeats in addition to the first; older EPS messages give the total in
 *   UK Core MedicationRepeatInformation `numberOfRepeatPrescriptionsAllowed` instead), each lasting
 *   `expectedSupplyDuration`, until the UK Core `authorisationExpiryDate`.
 * - Every item of a prescription shares one course; an eRD's items share one number of issues and
 *   one interval (EPS issues them together). Controlled drugs in Schedules 2 and 3 may not be
 *   repeat-dispensed.
 */
import type { Extension, MedicationRequest } from '@medplum/fhirtypes';
import { invalid, missing } from '../../platform/errors/problem.js';

export const HL7_COURSE_OF_THERAPY =
  'http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy';
export const NHS_COURSE_OF_THERAPY = 'https://fhir.nhs.uk/CodeSystem/medicationrequest-course-of-therapy';
export const REPEAT_INFORMATION_EXTENSION =
  'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-MedicationRepeatInformation';
export const CONTROLLED_DRUG_SCHEDULE_SYSTEM =
  'https://fhir.nhs.uk/CodeSystem/medicationrequest-controlled-drug';

const CODES: Record<string, readonly string[]> = {
  [HL7_COURSE_OF_THERAPY]: ['acute', 'continuous', 'seasonal'],
  [NHS_COURSE_OF_THERAPY]: ['continuous-repeat-dispensing'],
};

export type CourseOfTherapy = 'acute' | 'continuous' | 'seasonal' | 'continuous-repeat-dispensing';

export interface RepeatDispensing {
  /** How many issues the prescriber authorised (numberOfRepeatsAllowed + 1). */
  issues: number;
  /** Days each issue lasts (expectedSupplyDuration). */
  intervalDays: number;
  /** authorisationExpiryDate as given: a date (valid through that London day) or a dateTime. */
  authorisationExpiry: string;
}

const DAYS_PER_UNIT: Record<string, number> = { d: 1, day: 1, days: 1, wk: 7, week: 7, weeks: 7 };
const FHIR_DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** The course of one MedicationRequest; undefined when it names none. */
export function courseOf(
  request: MedicationRequest,
  path: (element: string) => string,
): CourseOfTherapy | undefined {
  const codings = request.courseOfTherapyType?.coding ?? [];
  let found: CourseOfTherapy | undefined;
  for (const coding of codings) {
    const allowed = coding.system ? CODES[coding.system] : undefined;
    if (!allowed) continue;
    if (!coding.code || !allowed.includes(coding.code)) {
      throw invalid(
        `courseOfTherapyType ${coding.system}|${coding.code ?? ''} is not a code of that system (${allowed.join(', ')})`,
        path('courseOfTherapyType'),
      );
    }
    found = coding.code as CourseOfTherapy;
  }
  if (request.courseOfTherapyType && !found) {
    throw invalid(
      `courseOfTherapyType must be coded in ${HL7_COURSE_OF_THERAPY} (acute, continuous, seasonal) or ${NHS_COURSE_OF_THERAPY} (continuous-repeat-dispensing)`,
      path('courseOfTherapyType'),
    );
  }
  return found;
}

/** The repeat-dispensing terms of one eRD item, or the Problem with what is missing. */
export function repeatDispensingOf(
  request: MedicationRequest,
  path: (element: string) => string,
): RepeatDispensing {
  if (request.intent === 'instance-order') {
    throw invalid(
      'A repeat-dispensing prescription is sent once, as an order or original-order: the service issues the repeats',
      path('intent'),
    );
  }
  const information = request.extension?.find((extension) => extension.url === REPEAT_INFORMATION_EXTENSION);
  const part = (url: string): Extension | undefined =>
    information?.extension?.find((each) => each.url === url);
  const issues = issuesOf(request, part('numberOfRepeatPrescriptionsAllowed'), path);
  const expiry = part('authorisationExpiryDate')?.valueDateTime;
  if (!expiry) {
    throw missing(
      `A repeat-dispensing item needs ${REPEAT_INFORMATION_EXTENSION} with authorisationExpiryDate`,
      path('extension'),
    );
  }
  if (
    !FHIR_DATE_TIME.test(expiry) ||
    Number.isNaN(Date.parse(expiry.length === 10 ? `${expiry}T00:00:00Z` : expiry))
  ) {
    throw invalid(`authorisationExpiryDate ${expiry} is not a date`, path('extension'));
  }
  return { issues, intervalDays: intervalDaysOf(request, path), authorisationExpiry: expiry };
}

function issuesOf(
  request: MedicationRequest,
  legacyTotal: Extension | undefined,
  path: (element: string) => string,
): number {
  const repeats = request.dispenseRequest?.numberOfRepeatsAllowed;
  if (repeats !== undefined) {
    if (!Number.isInteger(repeats) || repeats < 0) {
      throw invalid(
        'numberOfRepeatsAllowed must be a whole number',
        path('dispenseRequest.numberOfRepeatsAllowed'),
      );
    }
    return repeats + 1;
  }
  const total = legacyTotal?.valueUnsignedInt ?? legacyTotal?.valueInteger;
  if (total !== undefined) {
    if (!Number.isInteger(total) || total < 1) {
      throw invalid('numberOfRepeatPrescriptionsAllowed must be 1 or more', path('extension'));
    }
    return total;
  }
  throw missing(
    'A repeat-dispensing item needs dispenseRequest.numberOfRepeatsAllowed (issues after the first)',
    path('dispenseRequest.numberOfRepeatsAllowed'),
  );
}

function intervalDaysOf(request: MedicationRequest, path: (element: string) => string): number {
  const duration = request.dispenseRequest?.expectedSupplyDuration;
  const where = path('dispenseRequest.expectedSupplyDuration');
  if (!duration)
    throw missing('A repeat-dispensing item needs dispenseRequest.expectedSupplyDuration', where);
  const perUnit = DAYS_PER_UNIT[duration.code ?? duration.unit ?? ''];
  if (!perUnit) throw invalid('expectedSupplyDuration must be in days (d) or weeks (wk)', where);
  const days = (duration.value ?? 0) * perUnit;
  if (!Number.isInteger(days) || days < 1 || days > 366) {
    throw invalid('expectedSupplyDuration must be a whole number of days from 1 to 366', `${where}.value`);
  }
  return days;
}

/** Refuses an eRD item that is a Schedule 2 or 3 controlled drug (or whose schedule is not given). */
export function assertRepeatDispensable(
  request: MedicationRequest,
  controlledDrugExtension: string,
  path: (element: string) => string,
): void {
  const controlled = request.extension?.find((extension) => extension.url === controlledDrugExtension);
  if (!controlled) return;
  const schedule = controlled.extension?.find((part) => part.url === 'schedule')?.valueCoding;
  const code = schedule?.system === CONTROLLED_DRUG_SCHEDULE_SYSTEM ? schedule.code : undefined;
  if (!code) {
    throw missing(
      'A controlled drug on a repeat-dispensing prescription needs its schedule',
      path('extension'),
    );
  }
  if (code === 'CD2' || code === 'CD3') {
    throw invalid(
      `Controlled drugs in Schedule ${code.slice(2)} cannot be prescribed for repeat dispensing`,
      path('extension'),
    );
  }
}
