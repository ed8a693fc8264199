import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { MllpClient } from '../mllp/client.js';
import { runFakeEpr } from './cli.js';
import type { FakeEpr } from './server.js';

describe('pathways fake-epr', () => {
  let epr: FakeEpr | undefined;
  afterEach(async () => epr?.close());

  it('prints its URL, answers as its mode says, and takes a new mode on standard input', async () => {
    const lines: string[] = [];
    const input = new PassThrough();
    epr = await runFakeEpr(['--port', '0', '--mode', 'nak-ae', '--times', '1'], {
      out: (line) => lines.push(line),
      input,
      handleSignals: false,
    });
    expect(JSON.parse(lines[0]!)).toEqual({ fakeEpr: epr.url, mode: 'nak-ae' });
    const client = await MllpClient.connect({ host: '127.0.0.1', port: epr.port, timeoutMs: 5_000 });
    const message = (id: string) => `MSH|^~\\&|PATHWAYS|PW|EPR||20261207||SRM^S04^SRM_S01|${id}|P|2.5.1`;
    expect((await client.send(message('C1')))[0]).toContain('MSA|AE|C1|');
    expect((await client.send(message('C2')))[0]).toContain('MSA|AA|C2|');
    input.write('nak-ar 1\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await client.send(message('C3')))[0]).toContain('MSA|AR|C3|');
    await client.close();
    expect(lines.slice(1).map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ controlId: 'C1', outcome: 'AE' }),
      expect.objectContaining({ controlId: 'C2', outcome: 'AA' }),
      { mode: 'nak-ar', times: '1' },
      expect.objectContaining({ controlId: 'C3', outcome: 'AR' }),
    ]);
  });

  it('refuses an unknown mode', async () => {
    await expect(runFakeEpr(['--mode', 'explode'], { handleSignals: false })).rejects.toThrow(
      /--mode: one of/,
    );
  });
});
