/** The link to the EPR against the fake EPR over real sockets: delivery, failure modes, the breaker. */
import { afterEach, describe, expect, it } from 'vitest';
import { FakeEpr } from '../fake-epr/server.js';
import { EprLink, EprUnavailable } from './epr-link.js';
import { verdictOf } from './outbound-messages.js';

const message = (id: string) =>
  `MSH|^~\\&|PATHWAYS|PW|EPR||20261207100000+0000||SRM^S04^SRM_S01|${id}|P|2.5.1\rARQ|a1^PATHWAYS|A1^EPR`;

describe('EPR link and fake EPR', () => {
  let epr: FakeEpr;
  let link: EprLink;

  async function start(
    options: { breakerFailures?: number; breakerOpenMs?: number; slowMs?: number; timeoutMs?: number } = {},
  ) {
    epr = new FakeEpr({ slowMs: options.slowMs ?? 500 });
    await epr.start();
    link = new EprLink({
      host: '127.0.0.1',
      port: epr.port,
      // Generous, so a loaded machine does not turn an answer into a failure; the slow test sets its own.
      timeoutMs: options.timeoutMs ?? 3_000,
      breakerFailures: options.breakerFailures ?? 3,
      breakerOpenMs: options.breakerOpenMs ?? 400,
    });
  }
  afterEach(async () => {
    await link?.close();
    await epr?.close();
  });

  it('delivers in order on one connection, each answered AA naming its control id', async () => {
    await start();
    const answers = await Promise.all(['M1', 'M2', 'M3'].map((id) => link.send(message(id))));
    expect(answers.map((ack, i) => verdictOf(ack, `M${i + 1}`))).toEqual([
      { accepted: true },
      { accepted: true },
      { accepted: true },
    ]);
    expect(epr.received.map((r) => [r.controlId, r.outcome])).toEqual([
      ['M1', 'AA'],
      ['M2', 'AA'],
      ['M3', 'AA'],
    ]);
  });

  it('answers AE or AR (not applied) when told to refuse, and a resend after a NAK is applied', async () => {
    await start();
    await epr.setMode('nak-ae', 1);
    expect(verdictOf(await link.send(message('N1')), 'N1')).toMatchObject({ accepted: false, code: 'AE' });
    await epr.setMode('nak-ar', 1);
    expect(verdictOf(await link.send(message('N2')), 'N2')).toMatchObject({ accepted: false, code: 'AR' });
    expect(epr.applied()).toEqual([]);
    expect(verdictOf(await link.send(message('N2')), 'N2')).toEqual({ accepted: true });
    expect(link.state).toBe('closed');
  });

  it('applies a message once when the ACK was lost: the resend gets the first answer again', async () => {
    await start();
    await epr.setMode('drop', 1);
    await expect(link.send(message('D1'))).rejects.toBeInstanceOf(EprUnavailable);
    const again = await link.send(message('D1'));
    expect(verdictOf(again, 'D1')).toEqual({ accepted: true });
    expect(epr.received.map((r) => r.outcome)).toEqual(['dropped', 'duplicate']);
    expect(epr.applied()).toEqual(['D1']);
  });

  it('counts a slow EPR (no ACK in time) as a failure', async () => {
    await start({ slowMs: 1_500, timeoutMs: 300 });
    await epr.setMode('slow', 1);
    await expect(link.send(message('S1'))).rejects.toThrow(/did not answer/);
  });

  it('opens the breaker after consecutive failures (no connection tried), and closes it when the EPR is back', async () => {
    await start({ breakerFailures: 2, breakerOpenMs: 400 });
    await epr.setMode('down');
    await expect(link.send(message('B1'))).rejects.toThrow(/did not answer/);
    await expect(link.send(message('B1'))).rejects.toThrow(/did not answer/);
    expect(link.state).toBe('open');
    await epr.setMode('accept');
    // Up again, but the breaker is open: fails at once without reaching the EPR.
    await expect(link.send(message('B1'))).rejects.toThrow(/circuit breaker open/);
    expect(epr.received).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(verdictOf(await link.send(message('B1')), 'B1')).toEqual({ accepted: true });
    expect(link.state).toBe('closed');
    expect(epr.applied()).toEqual(['B1']);
  });
});
