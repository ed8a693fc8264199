/**
 * Released test results as the portal shows them: each DiagnosticReport with the Observations it
 * lists. The server only ever returns reports a clinician released and whose safety delay has
 * passed (HAZ-EARLY-RESULT); nothing here filters, it only presents.
 */
import type { Bundle, DiagnosticReport, Observation, Quantity, Range } from '@medplum/fhirtypes';

export interface ResultValue {
  id: string;
  name: string;
  value: string;
  range: string | undefined;
  /** In words: "Normal", "High", "Low", "Abnormal", … (the lab's flag, or the value against its range). */
  interpretation: string | undefined;
  /** Outside the normal range (true), inside it (false), or not known. */
  abnormal: boolean | undefined;
}

export interface ResultView {
  id: string;
  title: string;
  issued: string | undefined;
  status: string;
  conclusion: string | undefined;
  values: ResultValue[];
}

const STATUS_TEXT: Record<string, string> = {
  registered: 'Registered',
  partial: 'Partial result',
  preliminary: 'Preliminary result',
  final: 'Final result',
  amended: 'Amended result',
  corrected: 'Corrected result',
  appended: 'Final result with additions',
  cancelled: 'Cancelled',
  'entered-in-error': 'Removed',
  unknown: 'Status not known',
};

function quantityText(quantity: Quantity | undefined): string | undefined {
  if (quantity?.value === undefined) return undefined;
  const unit = quantity.unit ?? quantity.code;
  return unit ? `${quantity.value} ${unit}` : String(quantity.value);
}

function rangeText(range: { low?: Quantity; high?: Quantity; text?: string } | Range | undefined) {
  if (!range) return undefined;
  if ('text' in range && range.text) return range.text;
  const low = quantityText(range.low);
  const high = quantityText(range.high);
  if (low && high) return `${low} to ${high}`;
  if (low) return `${low} or more`;
  if (high) return `up to ${high}`;
  return undefined;
}

function valueText(observation: Observation): string {
  if (observation.valueQuantity) return quantityText(observation.valueQuantity) ?? 'No value';
  if (observation.valueString !== undefined) return observation.valueString;
  if (observation.valueCodeableConcept) {
    return (
      observation.valueCodeableConcept.text ??
      observation.valueCodeableConcept.coding?.[0]?.display ??
      'No value'
    );
  }
  if (observation.valueBoolean !== undefined) return observation.valueBoolean ? 'Yes' : 'No';
  if (observation.valueInteger !== undefined) return String(observation.valueInteger);
  if (observation.valueRange) return rangeText(observation.valueRange) ?? 'No value';
  return observation.dataAbsentReason?.text ?? 'No value';
}

function nameOf(
  concept: { text?: string; coding?: Array<{ display?: string }> } | undefined,
  fallback: string,
) {
  return concept?.text ?? concept?.coding?.[0]?.display ?? fallback;
}

/** HL7 v3 ObservationInterpretation codes a lab sends, in words, and whether they flag a problem. */
const INTERPRETATIONS: Record<string, { text: string; abnormal: boolean }> = {
  N: { text: 'Normal', abnormal: false },
  H: { text: 'High', abnormal: true },
  HH: { text: 'Very high', abnormal: true },
  HU: { text: 'Very high', abnormal: true },
  L: { text: 'Low', abnormal: true },
  LL: { text: 'Very low', abnormal: true },
  LU: { text: 'Very low', abnormal: true },
  A: { text: 'Abnormal', abnormal: true },
  AA: { text: 'Very abnormal', abnormal: true },
  NEG: { text: 'Negative', abnormal: false },
  POS: { text: 'Positive', abnormal: true },
  DET: { text: 'Detected', abnormal: true },
  ND: { text: 'Not detected', abnormal: false },
};

function interpretationOf(observation: Observation): Pick<ResultValue, 'interpretation' | 'abnormal'> {
  const concept = observation.interpretation?.[0];
  if (concept) {
    const known = concept.coding?.map((coding) => INTERPRETATIONS[coding.code ?? '']).find(Boolean);
    const text = concept.text ?? known?.text ?? concept.coding?.[0]?.display;
    if (text) return { interpretation: text, abnormal: known?.abnormal };
  }
  // No flag from the lab: compare a number with its range when both are in the same unit.
  const value = observation.valueQuantity;
  const range = observation.referenceRange?.[0];
  if (value?.value === undefined || !range) return { interpretation: undefined, abnormal: undefined };
  const sameUnit = (bound: Quantity | undefined) =>
    bound?.value !== undefined && (bound.unit ?? bound.code) === (value.unit ?? value.code);
  if (sameUnit(range.low) && value.value < range.low!.value!)
    return { interpretation: 'Low', abnormal: true };
  if (sameUnit(range.high) && value.value > range.high!.value!)
    return { interpretation: 'High', abnormal: true };
  if (sameUnit(range.low) || sameUnit(range.high)) return { interpretation: 'Normal', abnormal: false };
  return { interpretation: undefined, abnormal: undefined };
}

export function resultValue(observation: Observation): ResultValue {
  return {
    id: observation.id ?? '',
    name: nameOf(observation.code, 'Test'),
    value: valueText(observation),
    range: rangeText(observation.referenceRange?.[0]),
    ...interpretationOf(observation),
  };
}

export function resultsOf(bundle: Bundle): ResultView[] {
  const entries = bundle.entry ?? [];
  const observations = new Map<string, Observation>();
  for (const entry of entries) {
    const resource = entry.resource;
    if (resource?.resourceType === 'Observation' && resource.id)
      observations.set(`Observation/${resource.id}`, resource);
  }
  return entries
    .flatMap((entry) =>
      entry.resource?.resourceType === 'DiagnosticReport' ? [entry.resource as DiagnosticReport] : [],
    )
    .map(
      (report): ResultView => ({
        id: report.id ?? '',
        title: nameOf(report.code, 'Test result'),
        issued: report.issued ?? report.effectiveDateTime,
        status: STATUS_TEXT[report.status] ?? report.status,
        conclusion: report.conclusion,
        values: (report.result ?? []).flatMap((reference) => {
          const observation = observations.get(reference.reference ?? '');
          return observation ? [resultValue(observation)] : [];
        }),
      }),
    )
    .sort((a, b) => (b.issued ?? '').localeCompare(a.issued ?? ''));
}
