/**
 * Messages shaped like other vendors' feeds (test/fixtures/hl7-vendor: US-shaped, v2.3 to 2.8,
 * SSNs and MRNs with assigning authorities, a long result with many OBX, Z-segments, repetitions
 * and escapes, MSH-18 character sets, MSH-9.3 left empty, unusual delimiters), each sent over a
 * real MLLP socket on both databases: every one gets an ACK naming its control id, the core types
 * are applied (AA), the others refused (AR). Then malformed frames and messages: each gets AE or
 * AR and the connection keeps serving.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type {
  Bundle,
  DiagnosticReport,
  Encounter,
  Observation,
  Patient,
  ServiceRequest,
} from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../../test/databases.js';
import { adt, controlId, msh } from '../../../test/support/hl7/fixtures.js';
import { type Hl7Test, startHl7Test } from '../../../test/support/hl7/harness.js';
import { frame } from './frame-decoder.js';

const CORPUS = path.resolve(import.meta.dirname, '../../../test/fixtures/hl7-vendor');

/** What each file must be answered with: the core types are applied, the others refused. */
const EXPECTED: Record<string, 'AA' | 'AR'> = {
  '01-adt-a01-v23-admit.hl7': 'AA',
  '02-adt-a04-v24-registration.hl7': 'AA',
  '03-adt-a08-v251-utf8-no-structure.hl7': 'AA',
  '04-adt-a08-v26-latin1.hl7': 'AA',
  '05-adt-a01-v27-unusual-delimiters.hl7': 'AA',
  '06-adt-a04-v28.hl7': 'AA',
  '07-adt-a03-v23-discharge.hl7': 'AA',
  '08-oru-r01-v251-cbc-long.hl7': 'AA',
  '09-oru-r01-v23-chem-escapes.hl7': 'AA',
  '10-orm-o01-v23-new-order.hl7': 'AA',
  '11-orm-o01-v24-no-structure.hl7': 'AA',
  '12-dft-p03-v24-unsupported.hl7': 'AR',
  '13-mdm-t02-v25-unsupported.hl7': 'AR',
};

interface Wire {
  bytes: Buffer;
  controlId: string;
  /** MSH-15 and MSH-16 (AL or NE here; empty = original mode). */
  accept: string;
  application: string;
}

/** The file as the sender's bytes: segments end with CR, in MSH-18's character set. */
function wireOf(file: string): Wire {
  const text = readFileSync(path.join(CORPUS, file), 'utf8').replace(/\r?\n/g, '\r').replace(/\r+$/, '');
  const separator = text.charAt(3);
  const fields = text.split('\r')[0]!.split(separator);
  const latin1 = (fields[17] ?? '').startsWith('8859/1');
  return {
    bytes: Buffer.from(text, latin1 ? 'latin1' : 'utf8'),
    controlId: fields[9]!,
    accept: fields[14] ?? '',
    application: fields[15] ?? '',
  };
}

/** The MSA-1 codes the sender asked for: original mode one, enhanced mode as MSH-15/16 say. */
function expectedCodes(wire: Wire, outcome: 'AA' | 'AR'): string[] {
  if (outcome === 'AR' || (wire.accept === '' && wire.application === '')) return [outcome];
  return [...(wire.accept === 'AL' ? ['CA'] : []), ...(wire.application === 'AL' ? ['AA'] : [])];
}

/** MSA-1 and MSA-2 of an ACK, in whatever delimiters it was written with. */
function msaOf(ack: string): { code: string; controlId: string; text: string } {
  const separator = ack.charAt(3);
  const msa =
    ack
      .split('\r')
      .find((line) => line.startsWith('MSA'))
      ?.split(separator) ?? [];
  return { code: msa[1] ?? '', controlId: msa[2] ?? '', text: msa[3] ?? '' };
}

describe.each(databaseKinds)('vendor corpus over MLLP on %s', (kind) => {
  let h: Hl7Test;

  beforeAll(async () => {
    h = await startHl7Test(kind);
  });
  afterAll(async () => h?.close());

  async function one<T extends Patient | Encounter | DiagnosticReport | Observation | ServiceRequest>(
    url: string,
  ): Promise<T[]> {
    const { status, body } = await h.get<Bundle<T>>(url);
    expect(status).toBe(200);
    return (body.entry ?? []).map((entry) => entry.resource!);
  }

  it('answers every file with an ACK naming its control id: the core types AA, the others AR', async () => {
    const files = readdirSync(CORPUS)
      .filter((file) => file.endsWith('.hl7'))
      .sort();
    expect(files).toEqual(Object.keys(EXPECTED).sort());
    const seen: unknown[] = [];
    const wanted: unknown[] = [];
    for (const file of files) {
      const wire = wireOf(file);
      const codes = expectedCodes(wire, EXPECTED[file]!);
      const acks = (await h.client.send(wire.bytes, codes.length)).map(msaOf);
      // Whatever the acknowledgement mode, the message log says whether it was applied.
      const logged = await h.t.pathways.db.query<{ status: string; error: string | null }>(
        'SELECT status, error FROM hl7_message WHERE control_id = $1',
        [wire.controlId],
      );
      seen.push({
        file,
        codes: acks.map((a) => a.code),
        controlIds: acks.map((a) => a.controlId),
        status: logged.rows[0]?.status,
        error: logged.rows[0]?.error ?? null,
      });
      wanted.push({
        file,
        codes,
        controlIds: codes.map(() => wire.controlId),
        status: EXPECTED[file] === 'AA' ? 'applied' : 'rejected',
        error: EXPECTED[file] === 'AA' ? null : expect.stringContaining('Unsupported message type'),
      });
    }
    expect(seen).toEqual(wanted);
  });

  it('keeps US identifiers under their assigning authorities, searchable by value', async () => {
    const [bySsn] = await one<Patient>('/fhir/R4/Patient?identifier=999-01-2345');
    const [byMrn] = await one<Patient>('/fhir/R4/Patient?identifier=MERCYMRN|100234567');
    expect(bySsn?.id).toBeDefined();
    expect(byMrn?.id).toBe(bySsn!.id);
    expect(bySsn!.identifier).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ system: 'MERCYMRN', value: '100234567' }),
        expect.objectContaining({ system: 'SSA', value: '999-01-2345' }),
      ]),
    );
    expect(bySsn!.name?.[0]).toMatchObject({ family: 'Kowalski', given: ['Stanley', 'J'] });
  });

  it('decodes UTF-8 and ISO 8859-1 names, and reads unusual delimiters', async () => {
    const [jose] = await one<Patient>('/fhir/R4/Patient?identifier=SV7788123');
    expect(jose!.name?.[0]).toMatchObject({ family: 'Núñez García', given: ['José', 'Andrés'] });
    const [helene] = await one<Patient>('/fhir/R4/Patient?identifier=SA-331907');
    expect(helene!.name?.[0]).toMatchObject({ family: 'Lefèvre', given: ['Hélène', 'Françoise'] });
    const [tamara] = await one<Patient>('/fhir/R4/Patient?identifier=NL0099812');
    expect(tamara!.name?.[0]).toMatchObject({ family: 'Brooks', given: ['Tamara', 'Jean'] });
    expect(tamara!.identifier).toEqual(
      expect.arrayContaining([expect.objectContaining({ system: 'SSA', value: '999-33-4455' })]),
    );
  });

  it('admits and discharges the v2.3 stay, and keeps the Z-segments in the stored message', async () => {
    const [stay] = await one<Encounter>('/fhir/R4/Encounter?identifier=V24031200123');
    expect(stay).toMatchObject({ status: 'finished', period: { end: '2024-03-15T19:05:00.000Z' } });
    const stored = await h.t.pathways.db.query<{ raw: string }>(
      'SELECT raw FROM hl7_message WHERE control_id = $1',
      [wireOf('01-adt-a01-v23-admit.hl7').controlId],
    );
    expect(stored.rows[0]!.raw).toContain('\rZPD|1|VIP^N|PORTAL^Y|INTERPRETER^N\r');
    expect(stored.rows[0]!.raw).toContain('\rZPV|1|ADMIT SOURCE^ER|BED REQ^TELE');
  });

  it('maps the long result: one report, an Observation per OBX, escapes decoded', async () => {
    const [patient] = await one<Patient>('/fhir/R4/Patient?identifier=999-01-2345');
    const reports = await one<DiagnosticReport>(`/fhir/R4/DiagnosticReport?subject=Patient/${patient!.id}`);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ status: 'final' });
    expect(reports[0]!.result).toHaveLength(24);
    const [chemistry] = await one<Patient>('/fhir/R4/Patient?identifier=VV-204411');
    const observations = await one<Observation>(
      `/fhir/R4/Observation?subject=Patient/${chemistry!.id}&_count=50`,
    );
    expect(observations).toHaveLength(6);
    const comment = observations.find((o) => o.code.coding?.[0]?.code === '11546-9');
    expect(comment?.valueString).toContain('hemolysis & delayed processing');
    expect(comment?.valueString).toContain('A|B');
  });

  it('stores both orders as ServiceRequests', async () => {
    const [first] = await one<ServiceRequest>('/fhir/R4/ServiceRequest?identifier=ORD448812');
    const [second] = await one<ServiceRequest>('/fhir/R4/ServiceRequest?identifier=RC-ORD-10022');
    expect(first?.status).toBeDefined();
    expect(second?.status).toBeDefined();
  });

  it('answers AE or AR to each malformed frame or message, naming the control id it could read, and keeps serving', async () => {
    const cases: { name: string; bytes: Buffer; code: 'AE' | 'AR'; controlId?: string }[] = [
      { name: 'not HL7 at all', bytes: Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), code: 'AR' },
      { name: 'an empty frame', bytes: Buffer.alloc(0), code: 'AR' },
      {
        name: 'MSH without its encoding characters',
        bytes: Buffer.from('MSH|'),
        code: 'AR',
      },
      {
        name: 'an unknown version',
        bytes: Buffer.from(msh('ADT^A01', 'MAL-VER', '20240312083015', { version: '2.9.9' })),
        code: 'AR',
        controlId: 'MAL-VER',
      },
      {
        name: 'an unknown character set',
        bytes: Buffer.from(msh('ADT^A08', 'MAL-CS', '20240312083015', { charset: 'KLINGON' })),
        code: 'AR',
        controlId: 'MAL-CS',
      },
      {
        name: 'bytes that are not the UTF-8 MSH-18 declares',
        bytes: Buffer.concat([
          Buffer.from(
            `${msh('ADT^A08^ADT_A01', 'MAL-UTF', '20240312083015', { charset: 'UNICODE UTF-8' })}\rPID|1||X1^^^MERCYMRN^MR||`,
          ),
          Buffer.from([0xc3, 0x28, 0xa0, 0xa1]),
        ]),
        code: 'AR',
        controlId: 'MAL-UTF',
      },
      {
        name: 'an unknown processing id',
        bytes: Buffer.from(
          'MSH|^~\\&|ADTSYS|MERCY GEN|PATHWAYS|PW|20240312083015||ADT^A08|MAL-PID|X|2.5\rPID|1||X1^^^MERCYMRN^MR',
        ),
        code: 'AR',
        controlId: 'MAL-PID',
      },
      {
        name: 'an ADT without PID',
        bytes: Buffer.from(
          `${msh('ADT^A08^ADT_A01', 'MAL-NOPID', '20240312083015')}\rEVN|A08|20240312083015`,
        ),
        code: 'AE',
        controlId: 'MAL-NOPID',
      },
      {
        name: 'a result without OBR',
        bytes: Buffer.from(
          `${msh('ORU^R01^ORU_R01', 'MAL-NOOBR', '20240312083015')}\rPID|1||100234567^^^MERCYMRN^MR||Kowalski^Stanley\rOBX|1|NM|718-7^Hgb^LN||13|g/dL`,
        ),
        code: 'AE',
        controlId: 'MAL-NOOBR',
      },
      {
        name: 'a merge naming no known record',
        bytes: Buffer.from(
          `${msh('ADT^A40^ADT_A39', 'MAL-MRG', '20240312083015')}\rEVN|A40|20240312083015\rPID|1||100234567^^^MERCYMRN^MR||Kowalski^Stanley\rMRG|NOBODY-1^^^MERCYMRN^MR`,
        ),
        code: 'AE',
        controlId: 'MAL-MRG',
      },
      {
        name: 'a start block inside a message',
        bytes: Buffer.from(`${msh('ADT^A08^ADT_A01', 'MAL-VT', '20240312083015')}\rPID|1||\x0b100234567`),
        code: 'AR',
      },
    ];
    for (const c of cases) {
      const [ack] = await h.client.send(c.bytes);
      const msa = msaOf(ack!);
      expect({ name: c.name, code: msa.code }).toEqual({ name: c.name, code: c.code });
      if (c.controlId)
        expect({ name: c.name, controlId: msa.controlId }).toEqual({ name: c.name, controlId: c.controlId });
    }
    // Garbage between frames and a frame cut short by the next start block (a sender that gave
    // up and resent) are dropped: the resent message is answered under its own control id.
    const control = controlId('AFTER');
    const reply = h.client.expect(1);
    h.client.writeRaw(
      Buffer.concat([
        Buffer.from('\x00\xff noise'),
        Buffer.from('\x0bMSH|^~\\&|ADTSYS|MERCY GEN|PATHWAYS|PW|2024'),
        frame(adt({ trigger: 'A28', control })),
      ]),
    );
    expect(msaOf((await reply)[0]!)).toMatchObject({ code: 'AA', controlId: control });
    expect(msaOf((await h.client.send(adt({ trigger: 'A28' })))[0]!).code).toBe('AA');
  });
});
