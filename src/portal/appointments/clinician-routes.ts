/**
 * POST /fhir/R4/Appointment and PUT /fhir/R4/Appointment/{id} [clinician, admin]: the generic
 * create and update, plus the slots and the patient's `appointment-changed` event. These static
 * paths take precedence over the generic `/:type` routes for Appointment.
 */
import type { FastifyInstance } from 'fastify';
import { patientOf } from '../../platform/fhir/patient-compartment.js';
import { parseIfMatch } from '../../platform/fhir/store/versioning.js';
import { validateId } from '../../platform/fhir/validation/index.js';
import type { PortalDeps } from '../deps.js';
import { auditOperation, sendWritten } from '../http.js';
import { PORTAL_POLICIES } from '../policies.js';
import { appointmentBody, writeAppointment } from './booking.js';

export function registerClinicianAppointmentRoutes(fhir: FastifyInstance, deps: PortalDeps): void {
  const preHandler = deps.access.requireAccess(PORTAL_POLICIES.manageAppointments);

  fhir.post('/Appointment', { preHandler }, async (request, reply) => {
    const appointment = appointmentBody(request.body);
    const result = await deps.db.transaction((tx) => writeAppointment(tx, appointment, {}));
    await auditOperation(deps.audit, request, {
      action: 'C',
      subtype: 'create',
      reference: `Appointment/${result.id}`,
      patient: patientOf(result.resource),
    });
    return sendWritten(reply, result, deps.baseUrl);
  });

  fhir.put<{ Params: { id: string } }>('/Appointment/:id', { preHandler }, async (request, reply) => {
    const { id } = request.params;
    validateId(id);
    const ifMatch = parseIfMatch(request.headers['if-match']);
    const appointment = appointmentBody(request.body);
    const result = await deps.db.transaction((tx) =>
      writeAppointment(tx, appointment, { id, ...(ifMatch !== undefined ? { ifMatch } : {}) }),
    );
    await auditOperation(deps.audit, request, {
      action: result.created ? 'C' : 'U',
      subtype: 'update',
      reference: `Appointment/${id}`,
      patient: patientOf(result.resource),
    });
    return sendWritten(reply, result, deps.baseUrl);
  });
}
