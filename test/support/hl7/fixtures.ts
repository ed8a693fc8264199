/**
 * UK-shaped HL7 v2 messages for the tests, the demo and the bench: NHS numbers, ODS codes
 * (RXX01 is the hospital that sends them), local times in Europe/London. Each builder takes the
 * few values a scenario varies.
 */
export const HOSPITAL = 'RXX01';
export const NHS_NUMBER = '9434765919';
export const OTHER_NHS_NUMBER = '9434765870';

let sequence = 0;
/** A fresh MSH-10. */
export function controlId(prefix = 'MSG'): string {
  sequence += 1;
  return `${prefix}${Date.now().toString(36)}${sequence}`;
}

export interface AdtInput {
  trigger: string;
  control?: string;
  /** MSH-7 and EVN-2 (local time, YYYYMMDDHHMMSS). */
  at?: string;
  nhsNumber?: string;
  mrn?: string;
  family?: string;
  given?: string;
  birthDate?: string;
  visit?: string;
  patientClass?: string;
  location?: string;
  priorLocation?: string;
  /** MSH-15 and MSH-16 (enhanced mode). */
  ackTypes?: [string, string];
  version?: string;
  /** Extra segments appended as written. */
  extra?: string[];
  /** Replaces the PID segment entirely. */
  pid?: string;
}

export function msh(
  type: string,
  control: string,
  at: string,
  options: { version?: string; ackTypes?: [string, string]; charset?: string } = {},
): string {
  const [accept, application] = options.ackTypes ?? ['', ''];
  const fields = [
    'MSH',
    '^~\\&',
    'EPR',
    HOSPITAL,
    'PATHWAYS',
    'PW',
    at,
    '',
    type,
    control,
    'P',
    options.version ?? '2.5.1',
    '',
    '',
    accept,
    application,
  ];
  if (options.charset) fields.push('GBR', options.charset);
  return fields.join('|').replace(/\|+$/, '');
}

export function adt(input: AdtInput): string {
  const at = input.at ?? '20260105093000';
  const control = input.control ?? controlId();
  const structure = ['A01', 'A04', 'A08', 'A13'].includes(input.trigger)
    ? 'ADT_A01'
    : ['A28', 'A31', 'A05'].includes(input.trigger)
      ? 'ADT_A05'
      : `ADT_${input.trigger}`;
  const identifiers = [
    ...(input.nhsNumber === '' ? [] : [`${input.nhsNumber ?? NHS_NUMBER}^^^NHS^NH`]),
    `${input.mrn ?? 'M100001'}^^^${HOSPITAL}^MR`,
  ].join('~');
  const pid =
    input.pid ??
    `PID|1||${identifiers}||${input.family ?? 'Smith'}^${input.given ?? 'Ann'}^^^Mrs^^L||${input.birthDate ?? '19800102'}|F|||1 High Street^^Leeds^^LS1 4AB^GBR^H||07700 900123^PRN^CP~^NET^Internet^ann.smith@example.org|||||||||||||||||`;
  const pv1 = `PV1|1|${input.patientClass ?? 'I'}|${input.location ?? 'WARD7^BAY2^BED3^RXX01'}|||${input.priorLocation ?? ''}|C123^Jones^Rhiannon^^^Dr||||||||||||${input.visit ?? 'V9001'}|||||||||||||||||||||||||${at}`;
  return [
    msh(`ADT^${input.trigger}^${structure}`, control, at, {
      ...(input.version ? { version: input.version } : {}),
      ...(input.ackTypes ? { ackTypes: input.ackTypes } : {}),
    }),
    `EVN|${input.trigger}|${at}`,
    pid,
    `PD1|||Leeds Road Surgery^^B86001`,
    pv1,
    ...(input.extra ?? []),
  ].join('\r');
}

/** MSA-1, MSA-2 and the ERR segment's fields of an ACK. */
export function readAck(ack: string): {
  code: string;
  controlId: string;
  text: string;
  err?: string[];
  msh: string[];
} {
  const segments = ack
    .split('\r')
    .filter(Boolean)
    .map((line) => line.split('|'));
  const msa = segments.find((s) => s[0] === 'MSA') ?? [];
  const err = segments.find((s) => s[0] === 'ERR');
  return {
    code: msa[1] ?? '',
    controlId: msa[2] ?? '',
    text: msa[3] ?? '',
    ...(err ? { err } : {}),
    msh: segments[0] ?? [],
  };
}

export interface OruInput {
  control?: string;
  at?: string;
  nhsNumber?: string;
  filler?: string;
  status?: string;
  haemoglobin?: string;
  obxStatus?: string;
}

/** A full blood count from the hospital laboratory: Hb (numeric, flagged) and a comment. */
export function oru(input: OruInput = {}): string {
  const at = input.at ?? '20260106101500';
  const status = input.status ?? 'F';
  return [
    msh('ORU^R01^ORU_R01', input.control ?? controlId('ORU'), at),
    `PID|1||${input.nhsNumber ?? NHS_NUMBER}^^^NHS^NH~M100001^^^${HOSPITAL}^MR||Smith^Ann^^^Mrs||19800102|F`,
    'PV1|1|O|OPD^^^RXX01',
    `ORC|RE|PL7788^EPR|${input.filler ?? 'LAB123456'}^LAB`,
    `OBR|1|PL7788^EPR|${input.filler ?? 'LAB123456'}^LAB|58410-2^Full blood count^LN|||20260106090000|||||||||||||||${at}|||${status}`,
    'NTE|1|L|Sample received in good condition',
    `OBX|1|NM|718-7^Haemoglobin^LN||${input.haemoglobin ?? '131'}|g/L^g/L^UCUM|115-165|${Number(input.haemoglobin ?? '131') < 115 ? 'L' : 'N'}|||${input.obxStatus ?? status}|||20260106090000`,
    `OBX|2|ST|8251-1^Comment^LN||Normal film||||||${input.obxStatus ?? status}`,
  ].join('\r');
}

export function orm(
  input: {
    control?: string;
    placer?: string;
    orderControl?: string;
    orderStatus?: string;
    type?: 'ORM' | 'OML';
  } = {},
): string {
  const type = input.type ?? 'ORM';
  return [
    msh(
      type === 'ORM' ? 'ORM^O01^ORM_O01' : 'OML^O21^OML_O21',
      input.control ?? controlId('ORD'),
      '20260106083000',
    ),
    `PID|1||${NHS_NUMBER}^^^NHS^NH||Smith^Ann||19800102|F`,
    `ORC|${input.orderControl ?? 'NW'}|${input.placer ?? 'PL7788'}^EPR||${''}|${input.orderStatus ?? ''}||||20260106083000|||D456^Patel^Priya^^^Dr`,
    `OBR|1|${input.placer ?? 'PL7788'}^EPR||58410-2^Full blood count^LN`,
  ].join('\r');
}

export interface SiuInput {
  trigger: string;
  control?: string;
  /** MSH-7 and EVN-2 (local time). */
  at?: string;
  /** SCH-2.1 (the EPR's appointment number); SCH-1 is PL<filler>. */
  filler?: string;
  /** SCH-2.2, the assigning authority. */
  authority?: string;
  /** Omit SCH-2 (the key is then SCH-1). */
  placerOnly?: boolean;
  /** Start (local time) and length in minutes. */
  start?: string;
  minutes?: number;
  /** SCH-25 */
  fillerStatus?: string;
  /** SCH-6 (event reason: the cancellation reason). */
  eventReason?: string;
  nhsNumber?: string;
  /** AIL-3 location; '' leaves AIL out. */
  location?: string;
  phone?: string;
  /** Leave out every time (TQ1, AIS-4). */
  noTimes?: boolean;
}

/** An outpatient appointment booked by the EPR: cardiology follow-up at the hospital's clinic. */
export function siu(input: SiuInput): string {
  const at = input.at ?? '20260110093000';
  const filler = input.filler ?? 'A5001';
  const start = input.start ?? '20260220103000';
  const minutes = input.minutes ?? 20;
  const sch = new Array<string>(26).fill('');
  sch[0] = 'SCH';
  sch[1] = `PL${filler}^PATHWAYS`;
  sch[2] = input.placerOnly ? '' : `${filler}^${input.authority ?? 'EPR'}`;
  sch[6] = input.eventReason ?? '';
  sch[7] = 'FOLLOWUP^Follow-up^HL70276';
  sch[8] = 'OUTPT^Outpatient^local';
  sch[9] = String(minutes);
  sch[10] = 'MIN';
  sch[16] = 'C123^Jones^Rhiannon^^^Dr';
  sch[17] = input.phone ?? '0113 243 2799';
  sch[25] = input.fillerStatus ?? (input.trigger === 'S15' ? 'Cancelled' : 'Booked');
  return [
    msh(`SIU^${input.trigger}^SIU_S12`, input.control ?? controlId('SIU'), at),
    `EVN|${input.trigger}|${at}`,
    sch.join('|'),
    ...(input.noTimes ? [] : [`TQ1|1||||||${start}`]),
    `PID|1||${input.nhsNumber ?? NHS_NUMBER}^^^NHS^NH~M100001^^^${HOSPITAL}^MR||Smith^Ann^^^Mrs||19800102|F`,
    'RGS|1|A',
    `AIS|1|A|CARDFU^Cardiology follow-up^local|${input.noTimes ? '' : start}|||${minutes}|MIN`,
    'AIG|1|A|C123^Dr Rhiannon Jones^local|CON^Consultant',
    ...(input.location === ''
      ? []
      : [
          `AIL|1|A|${input.location ?? `CARDOPD^^^${HOSPITAL}^^^^^Cardiology Outpatients, Leeds General Infirmary`}|CLINIC`,
        ]),
  ].join('\r');
}
