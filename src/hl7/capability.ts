/**
 * Hospital integration (docs/api.md §11): HL7 v2 over MLLP. The processor turns each message into
 * resources in one transaction with its log entry; the listener frames, limits and acknowledges.
 * `serve` opens the listener on MLLP_PORT (0 = off) through `listen`; tests open one on any port
 * through the `hl7` service.
 */
import type { AddressInfo } from 'node:net';
import { Gauge } from 'prom-client';
import type { Capability, CapabilityFactory } from '../platform/capability.js';
import { SystemWriter } from '../platform/fhir/store/system-writes.js';
import { RESULT_RELEASES_SERVICE } from '../portal/index.js';
import { hl7AdminRoutes } from './admin-routes.js';
import { adtHandler } from './adt/adt-handler.js';
import { mergeFollowersOf } from './adt/merge-followers.js';
import { mergeHandlerWith } from './adt/merge-handler.js';
import { createEprConsumer } from './epr/epr-consumer.js';
import { EprLink } from './epr/epr-link.js';
import { readEprSettings } from './epr/epr-settings.js';
import { MessageProcessor } from './inbox/processor.js';
import { buildAck } from './message/ack.js';
import { CONDITION } from './message/hl7-error.js';
import { MllpListener } from './mllp/listener.js';
import { orderHandler } from './orders/order-handler.js';
import { oruHandler } from './oru/oru-handler.js';
import { declareHl7Types, HL7_WRITER } from './resource-types.js';
import { HL7_SERVICE } from './services.js';
import { type Hl7Settings, readHl7Settings } from './settings.js';
import { siuHandler } from './siu/siu-handler.js';

export interface Hl7Service {
  processor: MessageProcessor;
  settings: Hl7Settings;
  /** The connection back to the EPR (EPR_MLLP_URL), when one is configured. */
  epr: EprLink | undefined;
  /** Opens an MLLP listener (port 0: any free port) and returns its address. */
  listen(port: number, host?: string): Promise<AddressInfo>;
}

export const hl7Capability: CapabilityFactory = (context): Capability => {
  const settings = readHl7Settings(context.env, context.config.mllpPort);
  const log = context.log.child({ component: 'hl7' });
  declareHl7Types(context.resourceRules);
  // Every resource the feed writes goes through its type's declared rules, as this writer.
  const writer = new SystemWriter(HL7_WRITER, context.resourceRules);
  const releases = context.services.has(RESULT_RELEASES_SERVICE)
    ? context.services.get(RESULT_RELEASES_SERVICE)
    : undefined;
  const processor = new MessageProcessor({
    db: context.db,
    log,
    writer,
    handlers: [
      adtHandler,
      mergeHandlerWith(mergeFollowersOf(context.services)),
      oruHandler(releases, () => new Date()),
      orderHandler('ORM', 'O01'),
      orderHandler('OML', 'O21'),
      siuHandler,
    ],
  });
  const listeners: MllpListener[] = [];
  // The portal's changes back to the EPR (docs/api.md §11): off unless EPR_MLLP_URL is set.
  const eprSettings = readEprSettings(context.env);
  const epr = eprSettings ? new EprLink(eprSettings, log.child({ component: 'epr' })) : undefined;
  if (epr && eprSettings) {
    context.outbox.register(
      createEprConsumer({ db: context.db, writer, link: epr, settings: eprSettings, log }),
    );
    new Gauge({
      name: 'pathways_epr_breaker_open',
      help: 'Whether the circuit breaker in front of the EPR (EPR_MLLP_URL) is open (1) or half-open (0.5)',
      registers: [context.metrics],
      collect() {
        this.set(epr.state === 'closed' ? 0 : epr.state === 'open' ? 1 : 0.5);
      },
    });
  }

  const listen = async (port: number, host = settings.host): Promise<AddressInfo> => {
    const listener = new MllpListener({
      process: (payload) => processor.process(payload),
      refuseOversized: (head, bytes) =>
        buildAck({
          header: scrapeForAck(head),
          code: 'AR',
          problem: {
            condition: CONDITION.dataTypeError,
            text: `The message (${bytes}+ bytes) is over the ${settings.maxMessageBytes}-byte limit`,
          },
        }),
      maxMessageBytes: settings.maxMessageBytes,
      maxConnectionBytes: settings.maxConnectionBytes,
      maxConnections: settings.maxConnections,
      idleTimeoutMs: settings.idleTimeoutMs,
      ...(settings.tls ? { tls: settings.tls } : {}),
      log,
    });
    const address = await listener.listen(port, host);
    listeners.push(listener);
    return address;
  };
  context.services.provide(HL7_SERVICE, { processor, settings, epr, listen });

  return {
    name: 'hl7',
    async routes(app) {
      await app.register(async (admin) =>
        hl7AdminRoutes(admin, { db: context.db, access: context.access, audit: context.audit, processor }),
      );
    },
    async listen() {
      if (settings.port === 0) return;
      const address = await listen(settings.port);
      log.info(
        { listen: `${address.address}:${address.port}`, tls: settings.tls !== undefined },
        'HL7 MLLP listening',
      );
    },
    async stop() {
      await Promise.all(listeners.splice(0).map((listener) => listener.close()));
    },
  };
};

/** MSH-3..12 from the first bytes of a frame, for the AR to a message we would not read whole. */
function scrapeForAck(head: Buffer) {
  const line = head.toString('latin1').split(/[\r\n]/)[0] ?? '';
  if (!line.startsWith('MSH')) return {};
  const f = line.split(line.charAt(3));
  return {
    sendingApplication: f[2] ?? '',
    sendingFacility: f[3] ?? '',
    receivingApplication: f[4] ?? '',
    receivingFacility: f[5] ?? '',
    triggerEvent: (f[8] ?? '').split('^')[1] ?? '',
    controlId: f[9] ?? '',
  };
}
