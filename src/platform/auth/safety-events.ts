/**
 * Clinical-safety events (PRODUCT.md hazards) as one Prometheus counter, labelled by hazard, so an
 * alert can fire on any increase. Get-or-create: several modules raise events on one registry.
 */
import { Counter, type Registry } from 'prom-client';

export const CLINICAL_SAFETY_EVENTS = 'pathways_clinical_safety_events_total';

export type Hazard =
  | 'HAZ-WRONG-PATIENT'
  | 'HAZ-TAMPER'
  | 'HAZ-NO-RIGHT'
  | 'HAZ-SILENT-NOTIFY'
  | 'HAZ-MERGE'
  | (string & {});

export function clinicalSafetyCounter(registry: Registry): Counter<'hazard'> {
  const existing = registry.getSingleMetric(CLINICAL_SAFETY_EVENTS);
  if (existing) return existing as Counter<'hazard'>;
  return new Counter({
    name: CLINICAL_SAFETY_EVENTS,
    help: 'Clinical-safety events raised (a hazard control blocked something), by hazard',
    labelNames: ['hazard'],
    registers: [registry],
  });
}
