/**
 * A PDS-like FHIR API as the demographics service (`DEMOGRAPHICS_URL`): `GET {base}/Patient/{nhs
 * number}` answers the Patient, 404 when the number is unknown. PDS answers a superseded number
 * with the record of the number that replaced it, so a different id means merged. PDS covers NHS
 * numbers only; CHI numbers are looked up in this service's own store.
 *
 * Anything but 200, 400 or 404 (5xx, 401/403, a timeout, a refused connection, a body that is not
 * a Patient) is DemographicsUnavailable, which enrolment answers with 503: a failure to ask must
 * never look like "no such patient".
 */
import { randomUUID } from 'node:crypto';
import type { Patient } from '@medplum/fhirtypes';
import { NHS_NUMBER_SYSTEM } from '../../nhs/index.js';
import {
  type DemographicsService,
  DemographicsUnavailable,
  demographicsOf,
  localCopyOf,
} from './demographics.js';

export interface PdsOptions {
  /** e.g. https://sandbox.api.service.nhs.uk/personal-demographics/FHIR/R4 */
  baseUrl: string;
  timeoutMs?: number;
  /** For CHI numbers (and anything PDS does not hold). */
  fallback: DemographicsService;
  now?: () => Date;
}

export const DEFAULT_PDS_TIMEOUT_MS = 5_000;

export function pdsDemographics(options: PdsOptions): DemographicsService {
  const base = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? DEFAULT_PDS_TIMEOUT_MS;
  const now = options.now ?? (() => new Date());
  return {
    kind: 'external',
    async find(identifier) {
      if (identifier.system !== NHS_NUMBER_SYSTEM) return options.fallback.find(identifier);
      let response: Response;
      try {
        response = await fetch(`${base}/Patient/${encodeURIComponent(identifier.value)}`, {
          headers: { accept: 'application/fhir+json', 'x-request-id': randomUUID() },
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        const kind = error instanceof Error && error.name === 'TimeoutError' ? 'timeout' : 'unreachable';
        throw new DemographicsUnavailable(kind);
      }
      if (response.status === 404 || response.status === 400) {
        await response.body?.cancel();
        return undefined;
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new DemographicsUnavailable(`answered ${response.status}`);
      }
      let patient: Patient;
      try {
        patient = (await response.json()) as Patient;
      } catch {
        throw new DemographicsUnavailable('answered a body that is not JSON');
      }
      if (patient?.resourceType !== 'Patient' || typeof patient.id !== 'string') {
        throw new DemographicsUnavailable('answered something other than a Patient');
      }
      const record = demographicsOf(patient, now());
      return {
        ...record,
        merged: record.merged || patient.id !== identifier.value,
        resource: localCopyOf(patient, identifier),
      };
    },
  };
}
