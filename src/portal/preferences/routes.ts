/**
 * A patient's contact details and notification consent [patient, own record]:
 *   POST /fhir/R4/Patient/{id}/$update-contact   Parameters mobile, email (valueString; given
 *        without a value = remove), smsConsent, emailConsent (valueBoolean)
 *   GET  /fhir/R4/Patient/{id}/$contact-preferences
 * Both answer Parameters with the current mobile, email, smsConsent and emailConsent. Consent is
 * kept by the notifications capability's `notification-preferences` service.
 */
import type { Patient } from '@medplum/fhirtypes';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  NOTIFICATION_PREFERENCES_SERVICE,
  type NotificationPreferencesService,
} from '../../notifications/index.js';
import { missing, Problem } from '../../platform/errors/problem.js';
import { readCurrent, readResource, updateResource } from '../../platform/fhir/store/repository.js';
import { validateId } from '../../platform/fhir/validation/index.js';
import { sendFhir } from '../../platform/http/fhir-json.js';
import type { PortalDeps } from '../deps.js';
import { auditOperation, parameters } from '../http.js';
import { booleanParameter, type GivenParameters, readParameters, stringParameter } from '../parameters.js';
import { PORTAL_POLICIES } from '../policies.js';
import { contactDetailsOf, validatedContactChange, withContactChange } from './contact.js';

/** The changes a patient may make to their notification consent (a flag not given stays). */
interface ConsentPreferences {
  smsConsent?: boolean;
  emailConsent?: boolean;
}

const SPECS = {
  mobile: { types: ['valueString'], mayBeEmpty: true, maxLength: 40 },
  email: { types: ['valueString'], mayBeEmpty: true, maxLength: 254 },
  smsConsent: { types: ['valueBoolean'] },
  emailConsent: { types: ['valueBoolean'] },
} as const;

export function registerPreferenceRoutes(fhir: FastifyInstance, deps: PortalDeps): void {
  const ownRecordOnly = { config: { access: PORTAL_POLICIES.ownContactDetails } };

  function preferencesService(): NotificationPreferencesService {
    if (!deps.services.has(NOTIFICATION_PREFERENCES_SERVICE)) {
      throw new Problem(
        'SERVICE_UNAVAILABLE',
        'Notification preferences are not available on this server (the notifications capability is not running); nothing was changed',
      );
    }
    return deps.services.get(NOTIFICATION_PREFERENCES_SERVICE);
  }

  /** Another patient's record is refused (and reported) before it is even looked up. */
  async function ownRecord(request: FastifyRequest, id: string): Promise<string> {
    validateId(id);
    await deps.access.assertPatientBound(request, { resourceType: 'Patient', id });
    return `Patient/${id}`;
  }

  fhir.post<{ Params: { id: string } }>(
    '/Patient/:id/$update-contact',
    ownRecordOnly,
    async (request, reply) => {
      const { id } = request.params;
      const patient = await ownRecord(request, id);
      const given = readParameters(request.body, SPECS);
      if (given.size === 0)
        throw missing(`Give at least one of ${Object.keys(SPECS).join(', ')}`, 'Parameters.parameter');
      const change = validatedContactChange({
        mobile: textOrRemove(given, 'mobile'),
        email: textOrRemove(given, 'email'),
      });
      const consent = consentOf(given);
      const service =
        consent.smsConsent !== undefined || consent.emailConsent !== undefined
          ? preferencesService()
          : undefined;
      const record = await deps.db.transaction(async (tx) => {
        const stored = await readCurrent(tx, 'Patient', id, { forUpdate: true });
        if (!stored) throw new Problem('NOT_FOUND', `Patient/${id} not found`);
        if (stored.deleted) throw new Problem('GONE', `Patient/${id} was deleted`);
        const current = JSON.parse(stored.content) as Patient;
        const updated = withContactChange(current, change);
        const written = updated ? (await updateResource(tx, 'Patient', id, updated)).resource : current;
        if (service) await service.set(tx, patient, consent);
        return written as Patient;
      });
      await auditOperation(deps.audit, request, {
        action: 'U',
        reference: `Patient/${id}`,
        patient,
        detail: 'contact details and preferences changed by the patient',
      });
      const consents = deps.services.has(NOTIFICATION_PREFERENCES_SERVICE)
        ? await preferencesService().get(deps.db, patient)
        : undefined;
      return sendFhir(reply, 200, preferencesParameters(record, consents));
    },
  );

  fhir.get<{ Params: { id: string } }>(
    '/Patient/:id/$contact-preferences',
    ownRecordOnly,
    async (request, reply) => {
      const { id } = request.params;
      const patient = await ownRecord(request, id);
      const service = preferencesService();
      const record = JSON.parse((await readResource(deps.db, 'Patient', id)).content) as Patient;
      const consents = await service.get(deps.db, patient);
      await auditOperation(deps.audit, request, { action: 'R', reference: `Patient/${id}`, patient });
      return sendFhir(reply, 200, preferencesParameters(record, consents));
    },
  );
}

/** The new value, null for "remove it" (given without a value), undefined when not given. */
function textOrRemove(given: GivenParameters, name: string): string | null | undefined {
  if (!given.has(name)) return undefined;
  return stringParameter(given, name) ?? null;
}

function consentOf(given: GivenParameters): ConsentPreferences {
  const sms = booleanParameter(given, 'smsConsent');
  const email = booleanParameter(given, 'emailConsent');
  return {
    ...(sms !== undefined ? { smsConsent: sms } : {}),
    ...(email !== undefined ? { emailConsent: email } : {}),
  };
}

function preferencesParameters(record: Patient, consents: ConsentPreferences | undefined) {
  const { mobile, email } = contactDetailsOf(record);
  return parameters([
    ...(mobile ? [{ name: 'mobile', valueString: mobile }] : []),
    ...(email ? [{ name: 'email', valueString: email }] : []),
    ...(consents?.smsConsent !== undefined
      ? [{ name: 'smsConsent', valueBoolean: consents.smsConsent }]
      : []),
    ...(consents?.emailConsent !== undefined
      ? [{ name: 'emailConsent', valueBoolean: consents.emailConsent }]
      : []),
  ]);
}
