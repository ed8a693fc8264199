/**
 * The MLLP listener over real sockets: every frame gets an answer (AA, AE or AR naming its
 * control id), a bad frame never takes the connection down, pipelined messages are answered in
 * order, enhanced mode sends CA then AA, and the limits (message size, idle time) and TLS hold.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../../test/databases.js';
import { adt, controlId, msh, readAck } from '../../../test/support/hl7/fixtures.js';
import { type Hl7Test, startHl7Test } from '../../../test/support/hl7/harness.js';
import { makeSigner } from '../../../test/support/signing/material.js';
import { HL7_SERVICE } from '../services.js';
import { MllpClient } from './client.js';
import { frame } from './frame-decoder.js';

describe.each(databaseKinds)('MLLP listener on %s', (kind) => {
  let h: Hl7Test;

  beforeAll(async () => {
    h = await startHl7Test(kind, { MLLP_MAX_MESSAGE_BYTES: '65536', MLLP_IDLE_TIMEOUT_S: '1' });
  });
  afterAll(async () => h?.close());

  it('answers AR "unsupported message type" to a type or event it does not handle, and keeps the message', async () => {
    const control = controlId();
    const unsupported = readAck(await h.send(`${msh('MFN^M02', control, '20260105093000')}\rMFI|PRA`));
    expect(unsupported).toMatchObject({ code: 'AR', controlId: control });
    expect(unsupported.text).toContain('Unsupported message type');
    expect(unsupported.err?.[3]).toBe('200^Unsupported message type^HL70357');
    const event = readAck(await h.send(adt({ trigger: 'A60' })));
    expect(event.code).toBe('AR');
    expect(event.err?.[3]).toBe('201^Unsupported event code^HL70357');
    const kept = await h.t.pathways.db.query<{ status: string }>(
      'SELECT status FROM hl7_message WHERE control_id = $1',
      [control],
    );
    expect(kept.rows).toEqual([{ status: 'rejected' }]);
  });

  it('answers AR to malformed frames and keeps serving the connection', async () => {
    expect(readAck(await h.send('this is not HL7')).code).toBe('AR');
    expect(readAck(await h.send('')).code).toBe('AR');
    const badVersion = readAck(await h.send(msh('ADT^A01', 'BADV1', '20260105093000', { version: '3.0' })));
    expect(badVersion).toMatchObject({ code: 'AR', controlId: 'BADV1' });
    expect(badVersion.err?.[2]).toBe('MSH^1^12^1');
    const noControl = readAck(await h.send('MSH|^~\\&|EPR|RXX01|PATHWAYS|PW|20260105093000||ADT^A01||P|2.5'));
    expect(noControl.code).toBe('AR');
    expect(readAck(await h.send(adt({ trigger: 'A28' }))).code).toBe('AA');
  });

  it('answers pipelined messages in the order sent, each naming its own control id', async () => {
    const controls = Array.from({ length: 5 }, () => controlId('PIPE'));
    const acks = await Promise.all(
      controls.map((control) => h.client.send(adt({ trigger: 'A28', control }))),
    );
    expect(acks.map((ack) => readAck(ack[0]!).controlId)).toEqual(controls);
  });

  it('reassembles a message split across writes, and skips noise between frames', async () => {
    const control = controlId();
    const wire = frame(adt({ trigger: 'A28', control }));
    const reply = h.client.expect(1);
    h.client.writeRaw(Buffer.from('\r\n'));
    for (let i = 0; i < wire.length; i += 17) h.client.writeRaw(wire.subarray(i, i + 17));
    expect(readAck((await reply)[0]!)).toMatchObject({ code: 'AA', controlId: control });
  });

  it('refuses a message over the size limit with AR naming its control id, then reads the next one', async () => {
    const control = controlId('BIG');
    const big = adt({ trigger: 'A28', control, extra: [`ZXX|${'x'.repeat(70_000)}`] });
    const refused = readAck(await h.send(big));
    expect(refused).toMatchObject({ code: 'AR', controlId: control });
    expect(refused.text).toContain('limit');
    expect(readAck(await h.send(adt({ trigger: 'A28' }))).code).toBe('AA');
  });

  it('sends CA then AA in enhanced mode (MSH-15/16 AL), only AA when MSH-15 is NE', async () => {
    const control = controlId();
    const both = await h.client.send(adt({ trigger: 'A28', control, ackTypes: ['AL', 'AL'] }), 2);
    expect(both.map((ack) => [readAck(ack).code, readAck(ack).controlId])).toEqual([
      ['CA', control],
      ['AA', control],
    ]);
    const onlyApplication = await h.client.send(adt({ trigger: 'A28', ackTypes: ['NE', 'AL'] }));
    expect(readAck(onlyApplication[0]!).code).toBe('AA');
    const again = await h.client.send(adt({ trigger: 'A28', control, ackTypes: ['AL', 'AL'] }), 2);
    expect(again[1]).toBe(both[1]);
  });

  it('closes a connection idle for longer than MLLP_IDLE_TIMEOUT_S', async () => {
    const idle = await h.connect();
    expect(readAck((await idle.send(adt({ trigger: 'A28' })))[0]!).code).toBe('AA');
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(idle.closed).toBe(true);
  });
});

describe('MLLP over TLS', () => {
  let h: Hl7Test;
  let certificatePem: string;

  beforeAll(async () => {
    const signer = await makeSigner('ES256');
    certificatePem = signer.certificatePem;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pathways-mllp-tls-'));
    writeFileSync(path.join(dir, 'cert.pem'), signer.certificatePem);
    writeFileSync(path.join(dir, 'key.pem'), signer.privateKeyPem);
    h = await startHl7Test(databaseKinds[0]!, {
      MLLP_TLS_CERT: path.join(dir, 'cert.pem'),
      MLLP_TLS_KEY: path.join(dir, 'key.pem'),
    });
  });
  afterAll(async () => h?.close());

  it('acknowledges over TLS and refuses a plain-text client', async () => {
    const secure = await MllpClient.connect({
      host: '127.0.0.1',
      port: h.port,
      tls: { ca: certificatePem, checkServerIdentity: () => undefined },
    });
    expect(readAck((await secure.send(adt({ trigger: 'A28' })))[0]!).code).toBe('AA');
    await secure.close();
    const service = h.t.pathways.services.get(HL7_SERVICE);
    expect(service.settings.tls).toBeDefined();
    const plain = await MllpClient.connect({ host: '127.0.0.1', port: h.port, timeoutMs: 3_000 });
    await expect(plain.send(adt({ trigger: 'A28' }))).rejects.toThrow();
  });
});
