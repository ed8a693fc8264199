/**
 * ORU^R01 → DiagnosticReport + Observations. What reaches the patient is decided by the portal's
 * release rule (platform patient visibility + portal/results): a report from the feed is held back
 * until a clinician releases it and the safety delay has passed, like any other. A correction
 * replaces the stored values in place; a correction of a report already released announces it
 * again (`result-released` with `corrected: true`).
 */
import type { DiagnosticReport, Observation } from '@medplum/fhirtypes';
import { emit } from '../../platform/outbox/outbox.js';
import type { ResultReleasesService } from '../../portal/index.js';
import { upsertPatient } from '../adt/patient-store.js';
import { type HandlerContext, type MessageHandler, segment } from '../handler.js';
import { findByIdentifier, isStale, lockKey, writeResource } from '../inbox/resource-writer.js';
import { readersInOrder } from '../message/fields.js';
import { contentError } from '../message/hl7-error.js';
import { observationOf, reportIdentifier, reportOf, resultGroups } from './result-mapping.js';

/** What the portal tells the feed about a report's release (its `result-releases` service). */
type ResultReleases = Pick<ResultReleasesService, 'releaseOf'>;

export function oruHandler(releases: ResultReleases | undefined, now: () => Date): MessageHandler {
  return {
    messageType: 'ORU',
    triggers: new Set(['R01']),
    async apply(context: HandlerContext) {
      const { parsed, tx } = context;
      const patient = await upsertPatient(context, { demographics: false });
      const groups = resultGroups(readersInOrder(parsed.message.segments, parsed.delimiters));
      if (groups.length === 0) throw contentError('The message has no OBR segment', { segment: 'OBR' });
      const orc = segment(parsed, 'ORC');
      for (const group of groups) {
        const identifier = reportIdentifier(group.obr, orc, context.facility);
        await lockKey(tx, `${identifier.system}|${identifier.value}`);
        const stored = await findByIdentifier<DiagnosticReport>(
          tx,
          'DiagnosticReport',
          identifier.system!,
          identifier.value!,
        );
        if (stored?.id && (await isStale(tx, `DiagnosticReport/${stored.id}`, context.eventTime))) continue;
        const mappingContext = {
          identifier,
          patient: `Patient/${patient.id}`,
          facility: context.facility,
          odsCode: context.odsCode,
        };
        const report = reportOf(group, mappingContext);
        const results = [];
        for (let index = 0; index < group.obx.length; index++) {
          const observation = observationOf(group, index, {
            ...mappingContext,
            reportIdentifier: identifier,
            reportStatus: report.status,
          });
          const key = observation.identifier![0]!;
          const previous = await findByIdentifier<Observation>(tx, 'Observation', key.system!, key.value!);
          if (previous?.id) observation.id = previous.id;
          const written = await writeResource(context, observation);
          results.push({ reference: `Observation/${written.id}` });
        }
        if (results.length) report.result = results;
        if (stored?.id) report.id = stored.id;
        const written = await writeResource(context, report);
        await announceCorrection(context, releases, stored, written, now());
      }
    },
  };
}

async function announceCorrection(
  context: HandlerContext,
  releases: ResultReleases | undefined,
  stored: DiagnosticReport | undefined,
  report: DiagnosticReport & { id: string },
  now: Date,
): Promise<void> {
  if (!stored || !releases || !['corrected', 'amended'].includes(report.status)) return;
  const release = await releases.releaseOf(context.tx, report.id);
  if (!release || release.patient !== report.subject?.reference) return;
  const visibleFrom = release.visibleFrom > now ? release.visibleFrom : now;
  await emit(context.tx, {
    type: 'result-released',
    key: `DiagnosticReport/${report.id}`,
    payload: {
      patient: release.patient,
      report: `DiagnosticReport/${report.id}`,
      visibleFrom: visibleFrom.toISOString(),
      corrected: true,
    },
  });
}
