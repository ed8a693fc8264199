/**
 * The acknowledgements we send (pure). Original mode: one ACK with MSA-1 AA, AE or AR. Enhanced
 * mode (MSH-15/16 set): a commit acknowledgement (CA, or CE/CR) once the message is stored, then an
 * application acknowledgement (AA/AE/AR), each only when MSH-15 / MSH-16 ask for it (AL always,
 * ER on error, SU on success, NE never). MSA-2 is always the message's MSH-10.
 */
import { randomUUID } from 'node:crypto';
import { type Delimiters, escapeHl7, STANDARD_DELIMITERS } from './escape.js';
import type { ErrorLocation } from './hl7-error.js';
import { formatHl7Instant } from './hl7-time.js';
import type { MessageHeader } from './parse.js';

export type AckCode = 'AA' | 'AE' | 'AR' | 'CA' | 'CE' | 'CR';

export interface AckProblem {
  condition: number;
  text: string;
  location?: ErrorLocation;
}

export interface AckInput {
  /** The header of the message acknowledged; partial when the message could not be parsed. */
  header: Partial<MessageHeader>;
  code: AckCode;
  problem?: AckProblem;
  delimiters?: Delimiters;
  now?: Date;
}

const CONDITION_TEXT: Record<number, string> = {
  0: 'Message accepted',
  100: 'Segment sequence error',
  101: 'Required field missing',
  102: 'Data type error',
  103: 'Table value not found',
  200: 'Unsupported message type',
  201: 'Unsupported event code',
  202: 'Unsupported processing id',
  203: 'Unsupported version id',
  204: 'Unknown key identifier',
  207: 'Application internal error',
};

/** ERR-2 (v2.5+) and ERR-1 (earlier) were different fields: write the one the sender's version reads. */
function usesErrorLocationField(version: string | undefined): boolean {
  const [major, minor] = (version ?? '2.5').split('.').map(Number);
  return (major ?? 2) > 2 || (minor ?? 5) >= 5;
}

export function buildAck(input: AckInput): string {
  const d = input.delimiters ?? STANDARD_DELIMITERS;
  const h = input.header;
  const e = (value: string) => escapeHl7(value, d);
  const version = h.version || '2.5';
  const older = !usesErrorLocationField(version) && /^2\.[23]$/.test(version);
  const messageType = older
    ? `ACK${d.component}${h.triggerEvent ?? ''}`
    : `ACK${d.component}${h.triggerEvent ?? ''}${d.component}ACK`;
  const fields = [
    'MSH',
    `${d.component}${d.repetition}${d.escape}${d.subcomponent}`,
    h.receivingApplication || 'PATHWAYS',
    h.receivingFacility ?? '',
    h.sendingApplication ?? '',
    h.sendingFacility ?? '',
    formatHl7Instant(input.now ?? new Date()),
    '',
    messageType,
    `ACK${randomUUID().replaceAll('-', '').slice(0, 16)}`,
    h.processingId || 'P',
    version,
  ];
  if (h.characterSet) fields.push('', '', '', '', '', h.characterSet);
  const segments = [fields.join(d.field)];
  const text = input.problem?.text ?? (input.code === 'CA' ? 'Message stored' : undefined);
  segments.push(
    ['MSA', input.code, e(h.controlId ?? ''), text ? e(text.slice(0, 80)) : '']
      .join(d.field)
      .replace(/\|+$/, ''),
  );
  if (input.problem) segments.push(errSegment(input.problem, version, d));
  return `${segments.join('\r')}\r`;
}

function errSegment(problem: AckProblem, version: string, d: Delimiters): string {
  const loc = problem.location;
  const codeText = CONDITION_TEXT[problem.condition] ?? 'Application error';
  const location = loc
    ? [loc.segment, loc.sequence ?? 1, loc.field ?? '', loc.field ? 1 : '', loc.component ?? ''].join(
        d.component,
      )
    : '';
  if (!usesErrorLocationField(version)) {
    // ERR-1 (ELD): segment^sequence^field^code&text
    const eld = loc
      ? [loc.segment, loc.sequence ?? 1, loc.field ?? '', `${problem.condition}${d.subcomponent}${codeText}`]
      : ['', '', '', `${problem.condition}${d.subcomponent}${codeText}`];
    return ['ERR', eld.join(d.component)].join(d.field);
  }
  const severity = 'E';
  return [
    'ERR',
    '',
    location.replace(/\^+$/, ''),
    [problem.condition, codeText, 'HL70357'].join(d.component),
    severity,
    '',
    '',
    '',
    escapeHl7(problem.text.slice(0, 250), d),
  ].join(d.field);
}

export type AckRequest = 'AL' | 'NE' | 'ER' | 'SU';

function wants(request: string, success: boolean): boolean {
  const r = (request || 'AL') as AckRequest;
  if (r === 'NE') return false;
  if (r === 'ER') return !success;
  if (r === 'SU') return success;
  return true;
}

export function isEnhancedMode(header: Pick<MessageHeader, 'acceptAckType' | 'applicationAckType'>): boolean {
  return header.acceptAckType !== '' || header.applicationAckType !== '';
}

/** Enhanced mode: whether to send the commit ACK and the application ACK for this outcome. */
export function enhancedPlan(
  header: Pick<MessageHeader, 'acceptAckType' | 'applicationAckType'>,
  outcome: { stored: boolean; applied: boolean },
): { commit: boolean; application: boolean } {
  return {
    commit: wants(header.acceptAckType, outcome.stored),
    application: outcome.stored && wants(header.applicationAckType, outcome.applied),
  };
}

/** MSA-1..3 of an ACK we built, for operators' views. */
export function readAckSummary(ack: string): { code: string; controlId: string; text: string } {
  const msa = (ack.split('\r').find((line) => line.startsWith('MSA')) ?? '').split('|');
  return { code: msa[1] ?? '', controlId: msa[2] ?? '', text: msa[3] ?? '' };
}
