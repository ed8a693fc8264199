/**
 * The signing payload is canonicalised (RFC 8785) once per request that needs it: a new order (the
 * verification's digest is the one stored), its resend (only the digest to compare), a release
 * (the stored Bundle verified again) and `$prepare` (the payload and its digest from the same
 * bytes). Canonicalising a Bundle was 13-15 % of a verification (docs/benchmarks.md), so a
 * second pass is a cost this counts, through the one library call every path goes through.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/app.js';
import { dispensingApi } from '../../../test/support/dispensing/api.js';
import {
  processMessage,
  registerPrescriber,
  type TestPrescriber,
} from '../../../test/support/prescribing/prescriber.js';
import { releaseParameters } from '../../dispensing/examples/messages.js';
import { orderBundle, shortFormIdOf } from '../examples/order-bundle.js';

const counted = vi.hoisted(() => ({ calls: 0 }));

vi.mock('canonicalize', async (importOriginal) => {
  const actual = await importOriginal<{ default: (value: unknown) => string | undefined }>();
  return {
    default: (value: unknown) => {
      counted.calls++;
      return actual.default(value);
    },
  };
});

/** Canonicalisations during `work`. */
async function canonicalisations(work: () => Promise<{ statusCode: number; body: string }>) {
  const before = counted.calls;
  const response = await work();
  expect(response.statusCode, response.body).toBe(200);
  return counted.calls - before;
}

describe('the signing payload canonicalised once (PGlite)', () => {
  let app: TestApp;
  let gp: TestPrescriber;

  beforeAll(async () => {
    app = await startTestApp('pglite');
    gp = await registerPrescriber(app);
  });
  afterAll(async () => app?.close());

  it('once for a new order, once for its resend, once for its release, once for $prepare', async () => {
    const bundle = await gp.signedOrder({ nominatedPharmacy: null });
    const token = await gp.bearer();
    expect(await canonicalisations(() => processMessage(app, bundle, token))).toBe(1);
    expect(await canonicalisations(() => processMessage(app, bundle, token))).toBe(1);

    const api = dispensingApi(app);
    const pharmacist = await api.pharmacist('FCG71');
    expect(
      await canonicalisations(() =>
        api.release(releaseParameters('FCG71', shortFormIdOf(bundle)), pharmacist),
      ),
    ).toBe(1);

    const prepared = await canonicalisations(() =>
      app.pathways.app.inject({
        method: 'POST',
        url: '/fhir/R4/$prepare',
        headers: { authorization: token, 'content-type': 'application/fhir+json' },
        payload: JSON.stringify(orderBundle()),
      }),
    );
    expect(prepared).toBe(1);
  });
});
