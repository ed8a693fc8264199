/**
 * `pathways hl7 send FILE…` sends HL7 v2 files (segments one per line) to an MLLP listener and
 * prints each ACK's MSA; `pathways hl7 replay ID…` runs stored messages (the dead letters an admin
 * sees at /admin/hl7/messages) through the processor again.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Pathways } from '../app.js';
import { redrive } from './inbox/redrive.js';
import { readAckSummary } from './message/ack.js';
import { MllpClient } from './mllp/client.js';
import { HL7_SERVICE } from './services.js';

export async function runHl7Send(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: process.env.MLLP_PORT ?? '2575' },
    },
  });
  if (positionals.length === 0) throw new Error('hl7 send needs one or more files');
  const client = await MllpClient.connect({ host: values.host!, port: Number(values.port) });
  let failures = 0;
  try {
    for (const file of positionals) {
      const text = readFileSync(file, 'utf8').replace(/\r?\n/g, '\r').replace(/\r+$/, '');
      const [ack] = await client.send(text);
      const { code, controlId, text: detail } = readAckSummary(ack ?? '');
      process.stdout.write(`${file}: ${code} ${controlId}${detail ? ` ${detail}` : ''}\n`);
      if (code !== 'AA' && code !== 'CA') failures += 1;
    }
  } finally {
    await client.close();
  }
  return failures === 0 ? 0 : 1;
}

export async function runHl7Replay(pathways: Pathways, ids: string[]): Promise<number> {
  if (ids.length === 0)
    throw new Error('hl7 replay needs one or more message ids (see GET /admin/hl7/messages)');
  const { processor } = pathways.services.get(HL7_SERVICE);
  let failures = 0;
  for (const id of ids) {
    const processed = await redrive(pathways.db, processor, id);
    const summary = readAckSummary(processed.acks.at(-1) ?? '');
    process.stdout.write(
      `${id}: ${processed.outcome} ${summary.code}${summary.text ? ` ${summary.text}` : ''}\n`,
    );
    if (processed.outcome === 'failed' || processed.outcome === 'rejected') failures += 1;
  }
  return failures === 0 ? 0 : 1;
}
