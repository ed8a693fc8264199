/**
 * Availability (issue 16 item 4; docs/deployment.md): what other systems hear of continues
 * exactly once across both availability events. Two replicas behind HAProxy on a Patroni cluster
 * (synchronous replication, through HAProxy's `/primary` check) take signed, nominated
 * prescription-orders, each for a patient of its own with an email address; each order is one
 * event for the ePMS feed and one email through Notify. Under that load each replica is
 * restarted in turn with SIGTERM, then the PostgreSQL leader is SIGKILLed. Afterwards the fake
 * ePMS has booked every acknowledged order once (re-deliveries answered as duplicates by its
 * Idempotency-Key, never booked twice) and the fake Notify holds exactly one email for each
 * acknowledged order and never two for any. The figures are printed as one `[ha] deliveries: …`
 * line for docs/deployment.md.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GMC_SYSTEM, registerPrescriber, signInRegistrar } from '../../bench/data/prescriber.js';
import { FakeEpms } from '../../src/feed/fake-epms/server.js';
import { generateNhsNumber, NHS_NUMBER_SYSTEM } from '../../src/nhs/index.js';
import { formatApiKey } from '../../src/notifications/fake-notify/api-key.js';
import { FakeNotifyServer } from '../../src/notifications/fake-notify/server.js';
import { orderBundle, shortFormIdOf } from '../../src/prescribing/examples/order-bundle.js';
import { signPrescription } from '../../src/signing/index.js';
import { HttpFailure, httpRequest } from '../process/http.js';
import { freePort, killAll, type ServerProcess, serviceEnv, startServer } from '../process/server-process.js';
import { authorizationFor } from '../process/sign-in.js';
import { HAPROXY, httpConfig, type RunningHaproxy, startHaproxy } from './haproxy.js';
import { type PatroniCluster, patroniMissing } from './patroni.js';
import { startPatroniFront } from './patroni-front.js';

const REPLICAS = 2;
const CLIENTS = 6;
const PHARMACY = 'FCG71';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const missing = [...patroniMissing(), ...(existsSync(HAPROXY) ? [] : ['haproxy (apt-get install haproxy)'])];
if (missing.length > 0) {
  if (process.env.REQUIRE_HA === '1') throw new Error(`REQUIRE_HA=1 but missing: ${missing.join(', ')}`);
  console.warn(`deliveries suite not run: missing ${missing.join(', ')}`);
}

interface OrderAttempt {
  email: string;
  shortFormId?: string;
  status?: number;
  failure?: string;
}

const acknowledged = (attempt: OrderAttempt) =>
  attempt.status !== undefined && attempt.status >= 200 && attempt.status < 300;

describe.runIf(missing.length === 0)(
  'the ePMS feed and notifications across a rolling restart and a failover',
  () => {
    let cluster: PatroniCluster | undefined;
    let pgProxy: RunningHaproxy | undefined;
    let frontProxy: RunningHaproxy | undefined;
    let dataDir: string | undefined;
    const epms = new FakeEpms({ port: 0 });
    const notify = new FakeNotifyServer({ settleAfterMs: 10 });

    afterAll(async () => {
      await frontProxy?.stop();
      await killAll();
      await epms.close();
      await notify.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      await pgProxy?.stop();
      await cluster?.stop();
    });

    it('books every acknowledged order with the ePMS once and emails its patient once', async () => {
      const postgres = await startPatroniFront(3);
      cluster = postgres.cluster;
      pgProxy = postgres.haproxy;
      dataDir = mkdtempSync(path.join(os.tmpdir(), 'pathways-ha-deliveries-'));
      const location = { url: postgres.url, dataDir };

      const ports = await Promise.all(Array.from({ length: REPLICAS }, () => freePort()));
      const frontPort = await freePort();
      const front = `http://127.0.0.1:${frontPort}`;
      const epmsUrl = await epms.start();
      const notifyUrl = await notify.start(0);
      const env = {
        PUBLIC_URL: front,
        EPMS_URL: epmsUrl,
        NOTIFY_BASE_URL: notifyUrl,
        NOTIFY_API_KEY: formatApiKey(notify.key),
        // Retries soon after a failure, so the run ends in minutes rather than at the defaults' hours.
        FEED_RETRY_BASE_MS: '200',
        FEED_RETRY_MAX_MS: '2000',
        NOTIFICATIONS_RETRY_DELAY_MS: '500',
        NOTIFICATIONS_RETRY_MAX_DELAY_MS: '3000',
        NOTIFICATIONS_POLL_DELAY_MS: '200',
        NOTIFICATIONS_POLL_MAX_DELAY_MS: '2000',
      };
      const replicas: ServerProcess[] = [];
      for (const [index, port] of ports.entries()) {
        replicas.push(
          await startServer(location, { port, env, admin: index === 0, readyTimeoutMs: 120_000 }),
        );
      }
      frontProxy = await startHaproxy(frontPort, httpConfig(frontPort, ports));
      authorizationFor.set(front, authorizationFor.get(replicas[0]!.baseUrl)!);
      for (
        let tries = 0;
        (await httpRequest(front, { path: '/readyz' }).catch(() => undefined))?.status !== 200;
        tries++
      ) {
        if (tries > 100) throw new Error('HAProxy never sent a request on');
        await sleep(100);
      }
      // The ePMS trusts the feed key Pathways publishes (as the real one is configured to).
      const feedKey = await httpRequest(front, { path: '/pki/feed.pem', headers: { accept: '*/*' } });
      await epms.trustKey(feedKey.body);

      const cliEnv = serviceEnv(location, env) as Record<string, string>;
      const registrar = await signInRegistrar(front, cliEnv);
      const prescriber = await registerPrescriber(front, cliEnv, { registrar });

      const run = Math.random().toString(36).slice(2, 8);
      const attempts: OrderAttempt[] = [];
      let stopped = false;
      /** A request that must get through (setting up a patient): sent again until it is answered 2xx. */
      const untilDone = async (send: () => Promise<{ status: number }>) => {
        for (let tries = 0; tries < 600 && !stopped; tries++) {
          const answer = await send().catch((error: unknown) => {
            if (error instanceof HttpFailure) return undefined;
            throw error;
          });
          if (answer && answer.status >= 200 && answer.status < 300) return true;
          await sleep(100);
        }
        return false;
      };
      const client = async (index: number) => {
        for (let n = 0; !stopped; n++) {
          const email = `ha-${run}-${index}-${n}@example.org`;
          const nhsNumber = generateNhsNumber();
          const patient = {
            resourceType: 'Patient',
            identifier: [{ system: NHS_NUMBER_SYSTEM, value: nhsNumber }],
            name: [{ family: 'Delivery', given: [`Client${index}`] }],
            birthDate: '1970-01-01',
            telecom: [{ system: 'email', value: email }],
          };
          if (!(await untilDone(() => httpRequest(front, { path: '/fhir/R4/Patient', body: patient }))))
            return;
          const signed = await signPrescription(
            orderBundle({
              ods: prescriber.ods,
              practitionerIdentifiers: [{ system: GMC_SYSTEM, value: prescriber.gmc }],
              nhsNumber,
              nominatedPharmacy: PHARMACY,
            }),
            { privateKey: prescriber.privateKey, certificate: prescriber.certificatePem },
          );
          const attempt: OrderAttempt = { email, shortFormId: shortFormIdOf(signed) };
          attempts.push(attempt);
          try {
            const answer = await httpRequest(front, {
              path: '/fhir/R4/$process-message',
              body: signed,
              headers: { authorization: `Bearer ${prescriber.session.token}` },
            });
            attempt.status = answer.status;
          } catch (error) {
            if (!(error instanceof HttpFailure)) throw error;
            attempt.failure = error.code;
          }
        }
      };
      const clients = Promise.all(Array.from({ length: CLIENTS }, (_, index) => client(index)));
      const ackedCount = () => attempts.filter(acknowledged).length;
      const untilAcked = async (target: number, maxMs: number) => {
        const deadline = performance.now() + maxMs;
        while (ackedCount() < target && performance.now() < deadline) await sleep(100);
      };

      await untilAcked(30, 60_000);
      for (let slot = 0; slot < REPLICAS; slot++) {
        await replicas[slot]!.terminate();
        replicas[slot] = await startServer(location, {
          port: ports[slot],
          env,
          admin: false,
          readyTimeoutMs: 120_000,
        });
        await sleep(1_500);
      }
      await untilAcked(ackedCount() + 20, 60_000);
      const leader = (await cluster.leader())!;
      cluster.killNode(leader);
      const killedAt = ackedCount();
      await untilAcked(killedAt + 30, 120_000);
      stopped = true;
      await clients;

      // Every acknowledged order booked and emailed (the feed and Notify catch up after the events).
      const acked = attempts.filter(acknowledged);
      const bookedIds = () =>
        new Set(
          epms
            .received()
            .applied.filter((event) => event.type === 'prescription-order')
            .map((event) => event.prescriptionId),
        );
      const emailed = () => notify.messages().filter((message) => message.type === 'email');
      const deadline = performance.now() + 180_000;
      while (performance.now() < deadline) {
        const booked = bookedIds();
        const to = new Set(emailed().map((message) => message.to));
        if (acked.every((attempt) => booked.has(attempt.shortFormId!) && to.has(attempt.email))) break;
        await sleep(500);
      }

      const received = epms.received();
      const bookings = received.applied.filter((event) => event.type === 'prescription-order');
      const booked = bookedIds();
      const notBooked = acked.filter((attempt) => !booked.has(attempt.shortFormId!));
      const bookedTwice = bookings.length - booked.size;
      const emails = emailed();
      const emailsTo = new Map<string, number>();
      for (const message of emails) emailsTo.set(message.to, (emailsTo.get(message.to) ?? 0) + 1);
      const notEmailed = acked.filter((attempt) => !emailsTo.has(attempt.email));
      const emailedTwice = [...emailsTo.entries()].filter(([, count]) => count > 1);
      const unacknowledged = attempts.filter((attempt) => !acknowledged(attempt));
      const improper = unacknowledged.filter((attempt) => attempt.status !== 503);
      console.info(
        `[ha] deliveries: ${REPLICAS} replicas restarted in turn and the PostgreSQL leader killed; ` +
          `${attempts.length} orders sent, ${acked.length} acknowledged, ${unacknowledged.length} answered 503 or dropped ` +
          `(${improper.length} other than 503); ePMS: ${bookings.length} booked, ${received.duplicates} re-deliveries ` +
          `answered as duplicates, ${notBooked.length} acknowledged orders not booked, ${bookedTwice} booked twice; ` +
          `Notify: ${emails.length} emails, ${notEmailed.length} acknowledged orders not emailed, ` +
          `${emailedTwice.length} patients emailed twice`,
      );

      expect(notBooked.map((attempt) => attempt.shortFormId)).toEqual([]);
      expect(bookedTwice).toBe(0);
      expect(notEmailed.map((attempt) => attempt.email)).toEqual([]);
      expect(emailedTwice).toEqual([]);
      // An order that was not acknowledged is either absent or booked once: never twice (above).
      expect(
        improper.map((attempt) => `${attempt.shortFormId}: ${attempt.status ?? attempt.failure}`),
      ).toEqual([]);
      for (const replica of replicas) expect((await replica.terminate()).code, replica.output()).toBe(0);
    });
  },
);
