import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../../test/app.js';
import { databaseKinds } from '../../../test/databases.js';
import {
  type dispensingApi,
  errorCode,
  releaseOutcome,
  startDispensingTest,
} from '../../../test/support/dispensing/api.js';
import {
  processMessage,
  registerPrescriber,
  registrarBearer,
  type TestPrescriber,
} from '../../../test/support/prescribing/prescriber.js';
import { shortFormIdOf } from '../../prescribing/examples/order-bundle.js';
import { findPrescription } from '../../prescribing/store/prescriptions.js';
import { releaseParameters } from '../examples/messages.js';

describe.each(databaseKinds)('re-verification at release on %s (HAZ-TAMPER, HAZ-NO-RIGHT)', (kind) => {
  let app: TestApp;
  let gp: TestPrescriber;
  let api: ReturnType<typeof dispensingApi>;

  beforeAll(async () => {
    ({ app, gp, api } = await startDispensingTest(kind));
  });
  afterAll(async () => app?.close());

  async function prescribe(by = gp, nominated = 'FCG71') {
    const order = await by.signedOrder({ nominatedPharmacy: nominated });
    expect((await processMessage(app, order, await by.bearer())).statusCode).toBe(200);
    return shortFormIdOf(order);
  }

  async function safetyEvents(hazard: string): Promise<number> {
    const metrics = await app.pathways.metricsApp.inject({ method: 'GET', url: '/metrics' });
    const line = metrics.body
      .split('\n')
      .find((row) => row.startsWith(`pathways_clinical_safety_events_total{hazard="${hazard}"}`));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  it('does not release a prescription changed at rest: failedPrescriptions, INVALID_SIGNATURE, safety event', async () => {
    const shortFormId = await prescribe(gp, 'FTAMP');
    const untouched = await prescribe(gp, 'FTAMP');
    // Someone with database access changes the quantity of the stored, signed order.
    await app.pathways.db.query(
      `UPDATE prescription SET signed_bundle = replace(signed_bundle, '"value":20', '"value":200') WHERE short_form_id = $1`,
      [shortFormId],
    );
    const before = await safetyEvents('HAZ-TAMPER');
    const token = await api.pharmacist('FTAMP');
    const response = await api.release(releaseParameters('FTAMP'), token);
    expect(response.statusCode, response.body).toBe(200);
    const { passed, failed } = releaseOutcome(response.json());
    expect(passed.map(shortFormIdOf)).toEqual([untouched]);
    expect(failed).toHaveLength(1);
    expect(errorCode(failed[0]!)).toBe('INVALID_SIGNATURE');
    expect(JSON.stringify(failed[0])).toContain(shortFormId);
    expect((await findPrescription(app.pathways.db, shortFormId))!.status).toBe('0001');
    expect(await safetyEvents('HAZ-TAMPER')).toBe(before + 1);
    // Not offered again by nominated release; by ID it is checked (and refused) again.
    expect(releaseOutcome((await api.release(releaseParameters('FTAMP'), token)).json()).failed).toHaveLength(
      0,
    );
    const byId = releaseOutcome((await api.release(releaseParameters('FTAMP', shortFormId), token)).json());
    expect(byId.failed.map(errorCode)).toEqual(['INVALID_SIGNATURE']);
  });

  it('does not release a prescription whose certificate was revoked for keyCompromise after it was accepted', async () => {
    const doctor = await registerPrescriber(app);
    const shortFormId = await prescribe(doctor, 'FKEYC');
    const revoked = await app.pathways.app.inject({
      method: 'POST',
      url: `/fhir/R4/Practitioner/${doctor.practitionerId}/$revoke-certificate`,
      headers: { authorization: await registrarBearer(app), 'content-type': 'application/fhir+json' },
      payload: {
        resourceType: 'Parameters',
        parameter: [
          { name: 'serialNumber', valueString: doctor.serialNumber },
          { name: 'reason', valueCode: 'keyCompromise' },
        ],
      },
    });
    expect(revoked.statusCode, revoked.body).toBe(200);
    const before = await safetyEvents('HAZ-NO-RIGHT');
    const response = await api.release(
      releaseParameters('FKEYC', shortFormId),
      await api.pharmacist('FKEYC'),
    );
    const { passed, failed } = releaseOutcome(response.json());
    expect(passed).toHaveLength(0);
    expect(failed.map(errorCode)).toEqual(['CERTIFICATE_REVOKED']);
    expect(await safetyEvents('HAZ-NO-RIGHT')).toBe(before + 1);
    expect((await findPrescription(app.pathways.db, shortFormId))!.status).toBe('0001');
  });
});
