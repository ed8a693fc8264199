/**
 * EPS messages of the wrong shape (issue 17 §2): Task/$release Parameters, return and withdraw
 * Tasks, Claims and prescription-orders whose elements have the wrong JSON type, or carry a lone
 * surrogate. Each is a 400 OperationOutcome naming the element, and changes nothing.
 */
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../test/app.js';
import { databaseKinds } from '../../test/databases.js';
import { type dispensingApi, startDispensingTest } from '../../test/support/dispensing/api.js';
import { processMessage, type TestPrescriber } from '../../test/support/prescribing/prescriber.js';
import { storedCounts } from '../../test/support/prescribing/stored.js';
import { orderBundle, shortFormIdOf } from '../prescribing/examples/order-bundle.js';
import { claim, releaseParameters, returnTask, withdrawTask } from './examples/messages.js';

type Json = Record<string, unknown>;

/** A copy of `value` with `change` applied to it. */
function changed<T>(value: T, change: (copy: Json) => void): Json {
  const copy = structuredClone(value) as Json;
  change(copy);
  return copy;
}

const parameterNamed = (parameters: Json, name: string) =>
  (parameters.parameter as Json[]).find((parameter) => parameter.name === name)!;

function issueOf(body: string): OperationOutcome['issue'][number] {
  return (JSON.parse(body) as OperationOutcome).issue[0]!;
}

describe.each(databaseKinds)('malformed EPS messages on %s', (kind) => {
  let app: TestApp;
  let gp: TestPrescriber;
  let api: ReturnType<typeof dispensingApi>;
  let pharmacist: string;
  let shortFormId: string;

  async function refused(response: { statusCode: number; body: string }, what: string) {
    expect(response.statusCode, `${what}: ${response.body}`).toBe(400);
    const issue = issueOf(response.body);
    expect(issue.details?.coding?.[0]?.code, what).toMatch(/^(INVALID_VALUE|MISSING_VALUE)$/);
    expect(issue.diagnostics, what).toBeTruthy();
  }

  beforeAll(async () => {
    ({ app, gp, api } = await startDispensingTest(kind));
    pharmacist = await api.pharmacist('FCG71');
    const order = await gp.signedOrder({ nominatedPharmacy: 'FCG71' });
    expect((await processMessage(app, order, await gp.bearer())).statusCode).toBe(200);
    shortFormId = shortFormIdOf(order);
  });
  afterAll(async () => app?.close());

  it('answers Task/$release Parameters of the wrong shape with a 400', async () => {
    const byId = releaseParameters('FCG71', shortFormId);
    const cases: Array<[string, Json]> = [
      ['parameter an object', { resourceType: 'Parameters', parameter: {} }],
      ['parameter [null]', { resourceType: 'Parameters', parameter: [null] }],
      ['parameter [3]', { resourceType: 'Parameters', parameter: [3] }],
      [
        'owner.identifier a string',
        changed(byId, (p) => {
          (parameterNamed(p, 'owner').resource as Json).identifier = 'x';
        }),
      ],
      [
        'owner.identifier [null]',
        changed(byId, (p) => {
          (parameterNamed(p, 'owner').resource as Json).identifier = [null];
        }),
      ],
      [
        'owner.resource a string',
        changed(byId, (p) => {
          parameterNamed(p, 'owner').resource = 'x';
        }),
      ],
      [
        'group-identifier value an array',
        changed(byId, (p) => {
          (parameterNamed(p, 'group-identifier').valueIdentifier as Json).value = [shortFormId];
        }),
      ],
      [
        'group-identifier valueIdentifier a string',
        changed(byId, (p) => {
          parameterNamed(p, 'group-identifier').valueIdentifier = shortFormId;
        }),
      ],
      [
        'status valueCode an object',
        changed(byId, (p) => {
          parameterNamed(p, 'status').valueCode = { toString: 'accepted' };
        }),
      ],
      [
        'name an object',
        changed(byId, (p) => {
          parameterNamed(p, 'status').name = { toString: 'status' };
        }),
      ],
    ];
    for (const [what, body] of cases) await refused(await api.release(body as never, pharmacist), what);
    // Nothing was released by any of them.
    const still = await api.release(releaseParameters('FCG71', shortFormId), pharmacist);
    expect(still.statusCode, still.body).toBe(200);
  });

  it('answers return and withdraw Tasks of the wrong shape with a 400', async () => {
    const cases: Array<[string, Json]> = [];
    for (const [name, task] of [
      ['return', returnTask(shortFormId, 'FCG71')],
      ['withdraw', withdrawTask(shortFormId, 'FCG71')],
    ] as const) {
      cases.push(
        [
          `${name}: code.coding a string`,
          changed(task, (t) => {
            t.code = { coding: 'x' };
          }),
        ],
        [
          `${name}: code.coding [null]`,
          changed(task, (t) => {
            t.code = { coding: [null] };
          }),
        ],
        [
          `${name}: code a string`,
          changed(task, (t) => {
            t.code = 'abort';
          }),
        ],
        [
          `${name}: statusReason.coding a string`,
          changed(task, (t) => {
            t.statusReason = { coding: 'x' };
          }),
        ],
        [
          `${name}: groupIdentifier a string`,
          changed(task, (t) => {
            t.groupIdentifier = shortFormId;
          }),
        ],
        [
          `${name}: groupIdentifier.value an array`,
          changed(task, (t) => {
            (t.groupIdentifier as Json).value = [shortFormId];
          }),
        ],
        [
          `${name}: identifier an object`,
          changed(task, (t) => {
            t.identifier = { value: 'x' };
          }),
        ],
        [
          `${name}: identifier [null]`,
          changed(task, (t) => {
            t.identifier = [null];
          }),
        ],
        [
          `${name}: status an object`,
          changed(task, (t) => {
            t.status = { toString: 'rejected' };
          }),
        ],
      );
    }
    const before = await storedCounts(app.pathways.db);
    for (const [what, body] of cases) await refused(await api.task(body, pharmacist), what);
    expect(await storedCounts(app.pathways.db)).toEqual(before);
  });

  it('answers Claims of the wrong shape with a 400', async () => {
    const valid = claim(shortFormId);
    const cases: Array<[string, Json]> = [
      [
        'prescription.extension a string',
        changed(valid, (c) => {
          (c.prescription as Json).extension = 'x';
        }),
      ],
      [
        'extension[0].extension [null]',
        changed(valid, (c) => {
          ((c.prescription as Json).extension as Json[])[0]!.extension = [null];
        }),
      ],
      [
        'item[0].detail a string',
        changed(valid, (c) => {
          (c.item as Json[])[0]!.detail = 'x';
        }),
      ],
      [
        'item a string',
        changed(valid, (c) => {
          c.item = 'x';
        }),
      ],
      [
        'item [null]',
        changed(valid, (c) => {
          c.item = [null];
        }),
      ],
      [
        'identifier a string',
        changed(valid, (c) => {
          c.identifier = 'x';
        }),
      ],
      [
        'identifier[0].value a number',
        changed(valid, (c) => {
          (c.identifier as Json[])[0]!.value = 7;
        }),
      ],
      [
        'prescription a string',
        changed(valid, (c) => {
          c.prescription = 'x';
        }),
      ],
    ];
    const before = await storedCounts(app.pathways.db);
    for (const [what, body] of cases) await refused(await api.claim(body, pharmacist), what);
    expect(await storedCounts(app.pathways.db)).toEqual(before);
  });

  it('answers a prescription-order with a lone surrogate in any string with a 400 naming it', async () => {
    // No signer can sign a lone surrogate (RFC 8785 refuses it): the change is made after signing.
    const unsigned = () =>
      orderBundle({
        ods: gp.ods,
        practitionerIdentifiers: [{ system: 'https://fhir.hl7.org.uk/Id/gmc-number', value: gp.gmc }],
        nominatedPharmacy: 'FCG71',
      });
    const patientOf = (bundle: Bundle) =>
      bundle.entry!.find((entry) => entry.resource?.resourceType === 'Patient')!.resource as {
        name: Array<{ family: string }>;
      };
    const cases: Array<[string, (bundle: Bundle) => void]> = [
      [
        'a family name',
        (b) => {
          patientOf(b).name[0]!.family = 'x\ud800';
        },
      ],
      [
        'a low surrogate alone',
        (b) => {
          patientOf(b).name[0]!.family = '\udc00x';
        },
      ],
      [
        'the message id',
        (b) => {
          b.identifier!.value = '\ud83dx';
        },
      ],
      [
        'an object key',
        (b) => {
          (b as unknown as Json)['x\ud800'] = 1;
        },
      ],
    ];
    for (const [what, change] of cases) {
      const signed = await gp.sign(unsigned());
      // JSON.stringify writes a lone surrogate as an escape, as a client's serialiser sends it.
      change(signed);
      const before = await storedCounts(app.pathways.db);
      const response = await processMessage(app, signed, await gp.bearer());
      await refused(response, what);
      expect(issueOf(response.body).diagnostics, what).toMatch(/surrogate/);
      expect(await storedCounts(app.pathways.db)).toEqual(before);
    }
    // A well-formed pair (an emoji) is of course accepted.
    const emoji = unsigned();
    patientOf(emoji).name[0]!.family = 'Smith \ud83d\ude00';
    const accepted = await processMessage(app, await gp.sign(emoji), await gp.bearer());
    expect(accepted.statusCode, accepted.body).toBe(200);
  });
});
