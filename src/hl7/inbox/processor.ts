/**
 * One message in, its acknowledgements out. Parse → find the handler → claim the key and apply the
 * effects in one transaction → ACK (only after the commit). Enhanced mode commits the message
 * first (CA) and applies it in a second transaction (AA). Every frame gets an answer: what cannot
 * be parsed or is not handled is AR, what cannot be applied is AE and kept as a dead letter. An
 * applied message writes its Provenance (provenance.ts) in the same transaction as its effects.
 */
import type { Database } from '../../platform/database/database.js';
import { DatabaseUnavailableError } from '../../platform/database/unavailable.js';
import { Problem } from '../../platform/errors/problem.js';
import type { SystemWriter } from '../../platform/fhir/store/system-writes.js';
import type { Logger } from '../../platform/logging/logger.js';
import { eventTimeOf, type HandlerContext, type MessageHandler, odsCodeOf } from '../handler.js';
import { type AckCode, buildAck, enhancedPlan, isEnhancedMode } from '../message/ack.js';
import { CONDITION, Hl7Error } from '../message/hl7-error.js';
import { type MessageHeader, type ParsedMessage, parseFrame } from '../message/parse.js';
import { claimMessage, markApplied, recordUnapplied } from './message-log.js';
import { messageProvenance } from './provenance.js';
import { MessageTransaction } from './resource-writer.js';

export interface ProcessorOptions {
  db: Database;
  log: Logger;
  /** The feed's writer: every resource through its type's declared rules. */
  writer: SystemWriter;
  handlers: MessageHandler[];
  /** Called after a message's effects committed (metrics, notifications of what changed). */
  onApplied?: (header: MessageHeader, resources: string[]) => void;
  now?: () => Date;
}

export type Outcome = 'applied' | 'duplicate' | 'failed' | 'rejected';

export interface Processed {
  /** The ACK messages to send, in order (enhanced mode may send two, or none). */
  acks: string[];
  outcome: Outcome;
  header?: MessageHeader;
}

/** MSH fields read without the parser, to answer a message the parser refused. */
function scrapeHeader(payload: Buffer): Partial<MessageHeader> {
  const text = payload.toString('latin1');
  const line = text.split(/[\r\n]/)[0] ?? '';
  if (!line.startsWith('MSH') || line.length < 4) return {};
  const f = line.split(line.charAt(3));
  const component = line.charAt(4) || '^';
  return {
    sendingApplication: f[2] ?? '',
    sendingFacility: f[3] ?? '',
    receivingApplication: f[4] ?? '',
    receivingFacility: f[5] ?? '',
    triggerEvent: (f[8] ?? '').split(component)[1] ?? '',
    controlId: f[9] ?? '',
    processingId: f[10] ?? '',
    version: /^2\.[2-8]/.test(f[11] ?? '') ? f[11]! : '2.5',
  };
}

/**
 * A store refusal of what a mapping produced (FHIR validation) is the message's content: AE. A
 * database that cannot be reached is not: AR, send again.
 */
function problemOf(error: unknown): Hl7Error {
  if (error instanceof Hl7Error) return error;
  if (error instanceof DatabaseUnavailableError) {
    return new Hl7Error('AR', CONDITION.internalError, 'The database is unavailable; send the message again');
  }
  if (error instanceof Problem) {
    return new Hl7Error(
      'AE',
      CONDITION.dataTypeError,
      `The message's data is not valid: ${error.issues[0]?.diagnostics ?? error.message}`,
    );
  }
  return new Hl7Error('AE', CONDITION.internalError, 'The message could not be applied: internal error');
}

export class MessageProcessor {
  readonly #db: Database;
  readonly #log: Logger;
  readonly #writer: SystemWriter;
  readonly #handlers = new Map<string, MessageHandler>();
  readonly #onApplied: ProcessorOptions['onApplied'];
  readonly #now: () => Date;

  constructor(options: ProcessorOptions) {
    this.#db = options.db;
    this.#log = options.log;
    this.#writer = options.writer;
    for (const handler of options.handlers) {
      for (const trigger of handler.triggers)
        this.#handlers.set(`${handler.messageType}^${trigger}`, handler);
    }
    this.#onApplied = options.onApplied;
    this.#now = options.now ?? (() => new Date());
  }

  supports(messageType: string, trigger: string): boolean {
    return this.#handlers.has(`${messageType}^${trigger}`);
  }

  async process(payload: Buffer): Promise<Processed> {
    let parsed: ParsedMessage;
    try {
      parsed = parseFrame(payload);
    } catch (error) {
      const problem =
        error instanceof Hl7Error
          ? error
          : new Hl7Error('AR', CONDITION.segmentSequence, 'The message cannot be parsed');
      const header = scrapeHeader(payload);
      this.#log.warn({ condition: problem.condition, controlId: header.controlId }, 'HL7 message refused');
      return { acks: [this.#ack(header, 'AR', problem)], outcome: 'rejected' };
    }
    return this.processParsed(parsed);
  }

  async processParsed(parsed: ParsedMessage): Promise<Processed> {
    const { header } = parsed;
    const handler = this.#handlers.get(`${header.messageType}^${header.triggerEvent}`);
    if (!handler) {
      const known = [...this.#handlers.keys()].some((key) => key.startsWith(`${header.messageType}^`));
      const problem = known
        ? new Hl7Error(
            'AR',
            CONDITION.unsupportedEventCode,
            `Unsupported message type: event ${header.triggerEvent} of ${header.messageType} is not handled`,
            { segment: 'MSH', field: 9, component: 2 },
          )
        : new Hl7Error(
            'AR',
            CONDITION.unsupportedMessageType,
            `Unsupported message type ${header.messageType}`,
            { segment: 'MSH', field: 9 },
          );
      const ack = this.#ack(header, 'AR', problem, parsed);
      await recordUnapplied(this.#db, header, parsed.text, {
        status: 'rejected',
        ack,
        error: problem.message,
        location: problem.location,
      });
      return { acks: [ack], outcome: 'rejected', header };
    }
    return isEnhancedMode(header) ? this.#enhanced(parsed, handler) : this.#original(parsed, handler);
  }

  async #original(parsed: ParsedMessage, handler: MessageHandler): Promise<Processed> {
    try {
      const result = await this.#db.transaction(async (tx) => {
        const claim = await claimMessage(tx, parsed.header, parsed.text);
        if (claim.duplicateAck !== undefined)
          return { ack: claim.duplicateAck, duplicate: true, resources: [] as string[] };
        const { resources, sources } = await this.#apply(tx, parsed, handler, claim.id);
        const ack = this.#ack(parsed.header, 'AA', undefined, parsed);
        await markApplied(tx, claim.id, ack, resources, sources);
        return { ack, duplicate: false, resources };
      });
      if (result.duplicate) return { acks: [result.ack], outcome: 'duplicate', header: parsed.header };
      this.#onApplied?.(parsed.header, result.resources);
      return { acks: [result.ack], outcome: 'applied', header: parsed.header };
    } catch (error) {
      return { acks: [await this.#failed(parsed, error)], outcome: 'failed', header: parsed.header };
    }
  }

  async #enhanced(parsed: ParsedMessage, handler: MessageHandler): Promise<Processed> {
    const { header } = parsed;
    let claim: Awaited<ReturnType<typeof claimMessage>>;
    try {
      claim = await this.#db.transaction((tx) => claimMessage(tx, header, parsed.text));
    } catch (error) {
      this.#log.error({ err: error, controlId: header.controlId }, 'HL7 message could not be stored');
      const plan = enhancedPlan(header, { stored: false, applied: false });
      const problem = new Hl7Error(
        'AR',
        CONDITION.internalError,
        'The message could not be stored; send it again',
      );
      return {
        acks: plan.commit ? [this.#ack(header, 'CR', problem, parsed)] : [],
        outcome: 'failed',
        header,
      };
    }
    const acks: string[] = [];
    const commitAck = this.#ack(header, 'CA', undefined, parsed);
    if (claim.duplicateAck !== undefined) {
      const plan = enhancedPlan(header, { stored: true, applied: true });
      if (plan.commit) acks.push(commitAck);
      if (plan.application && claim.duplicateAck) acks.push(claim.duplicateAck);
      return { acks, outcome: 'duplicate', header };
    }
    try {
      const result = await this.#db.transaction(async (tx) => {
        const { resources, sources } = await this.#apply(tx, parsed, handler, claim.id);
        const ack = this.#ack(header, 'AA', undefined, parsed);
        await markApplied(tx, claim.id, ack, resources, sources);
        return { ack, resources };
      });
      const plan = enhancedPlan(header, { stored: true, applied: true });
      if (plan.commit) acks.push(commitAck);
      if (plan.application) acks.push(result.ack);
      this.#onApplied?.(header, result.resources);
      return { acks, outcome: 'applied', header };
    } catch (error) {
      const ack = await this.#failed(parsed, error);
      const plan = enhancedPlan(header, { stored: true, applied: false });
      if (plan.commit) acks.push(commitAck);
      if (plan.application) acks.push(ack);
      return { acks, outcome: 'failed', header };
    }
  }

  async #apply(
    tx: HandlerContext['tx'],
    parsed: ParsedMessage,
    handler: MessageHandler,
    messageId: string,
  ): Promise<{ resources: string[]; sources: ReadonlyMap<string, string> }> {
    const facility = parsed.message.header.getComponent(4, 1).trim();
    const scoped = new MessageTransaction(tx);
    const context: HandlerContext = {
      tx: scoped,
      writer: this.#writer,
      parsed,
      messageId,
      eventTime: eventTimeOf(parsed, this.#now()),
      facility,
      odsCode: odsCodeOf(facility),
      touched: new Set(),
      versions: [],
    };
    await handler.apply(context);
    if (context.versions!.length > 0) {
      await this.#writer.create(
        scoped,
        messageProvenance({
          header: parsed.header,
          versions: context.versions!,
          messageId,
          eventTime: context.eventTime,
          facility,
          odsCode: context.odsCode,
          recorded: this.#now(),
        }),
      );
    }
    return { resources: [...context.touched], sources: scoped.changed };
  }

  /** The AE (content) or AR (we could not store it) for a message not applied; kept as a dead letter. */
  async #failed(parsed: ParsedMessage, error: unknown): Promise<string> {
    const { header } = parsed;
    const problem = problemOf(error);
    if (!(error instanceof Hl7Error) && !(error instanceof Problem)) {
      this.#log.error(
        { err: error, controlId: header.controlId, type: `${header.messageType}^${header.triggerEvent}` },
        'HL7 message failed',
      );
    }
    const ack = this.#ack(header, problem.ackCode, problem, parsed);
    try {
      await recordUnapplied(this.#db, header, parsed.text, {
        status: 'failed',
        ack,
        error: problem.message,
        location: problem.location,
      });
      return ack;
    } catch (storeError) {
      this.#log.error({ err: storeError, controlId: header.controlId }, 'HL7 message could not be recorded');
      return this.#ack(
        header,
        'AR',
        new Hl7Error('AR', CONDITION.internalError, 'The message could not be stored; send it again'),
        parsed,
      );
    }
  }

  #ack(header: Partial<MessageHeader>, code: AckCode, problem?: Hl7Error, parsed?: ParsedMessage): string {
    return buildAck({
      header,
      code,
      now: this.#now(),
      ...(parsed ? { delimiters: parsed.delimiters } : {}),
      ...(problem
        ? {
            problem: {
              condition: problem.condition,
              text: problem.message,
              ...(problem.location ? { location: problem.location } : {}),
            },
          }
        : {}),
    });
  }
}
