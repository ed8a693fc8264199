/**
 * The `epms-feed` outbox consumer: each feed event becomes one signed POST to `$EPMS_URL/events`.
 *
 * The outbox does the rest: it hands events over per prescription in order (`ordered`), retries
 * a thrown Error after the back-off of `retry`, dead-letters a PermanentFailure, and abandons an
 * attempt after `timeoutMs` (aborting `signal`). Being outside every transaction, a slow or dead
 * ePMS never holds a database connection and never touches the write that emitted the event.
 * Each attempt is signed afresh (a new `created`), so a retry hours later is not refused as stale;
 * the Idempotency-Key (the event id) is what lets the ePMS apply a re-sent event once.
 */
import { type ExternalConsumer, PermanentFailure } from '../platform/outbox/outbox.js';
import type { FeedKey } from './feed-key.js';
import { describeNetworkFailure, HttpPoster, networkFailureReason, type PostAnswer } from './http-post.js';
import type { FeedMetrics } from './metrics.js';
import type { FeedSettings } from './settings.js';
import { signFeedRequest } from './signing.js';
import {
  describeAnswer,
  FEED_EVENT_TYPES,
  failureReasonOf,
  serialiseWireEvent,
  toWireEvent,
  UnsendableEvent,
  verdictOf,
} from './wire-format.js';

export const FEED_CONSUMER = 'epms-feed';

export interface FeedConsumerOptions {
  eventsUrl: string;
  settings: Pick<FeedSettings, 'timeoutMs' | 'retry' | 'concurrency'>;
  key: FeedKey;
  metrics: FeedMetrics;
}

export function createFeedConsumer(options: FeedConsumerOptions): ExternalConsumer {
  const { eventsUrl, settings, key, metrics } = options;
  const poster = new HttpPoster(settings.concurrency);
  return {
    name: FEED_CONSUMER,
    types: [...FEED_EVENT_TYPES],
    ordered: true,
    concurrency: settings.concurrency,
    retry: { ...settings.retry },
    timeoutMs: settings.timeoutMs,
    async deliver(event, { signal }) {
      let body: string;
      try {
        body = serialiseWireEvent(toWireEvent(event));
      } catch (error) {
        if (error instanceof UnsendableEvent) throw new PermanentFailure(error.message);
        throw error;
      }
      const request = await signFeedRequest(eventsUrl, body, event.id, key);
      let answer: PostAnswer;
      try {
        answer = await poster.post(request.url, request.headers, request.body, signal);
      } catch (error) {
        metrics.failedAttempts.inc({ reason: networkFailureReason(error, signal) });
        throw new Error(describeNetworkFailure(error, signal));
      }
      const verdict = verdictOf(answer.status);
      if (verdict === 'delivered') {
        metrics.delivered.inc();
        return;
      }
      metrics.failedAttempts.inc({ reason: failureReasonOf(answer.status) });
      const description = describeAnswer(answer.status, answer.body);
      if (verdict === 'dead-letter') throw new PermanentFailure(description);
      throw new Error(description);
    },
    async onDeadLetter() {
      // Runs in the dead-lettering transaction; counted here because it is the one place every
      // dead letter passes (a rolled-back one is retried and may count twice: rare, harmless).
      metrics.deadLetters.inc();
    },
    async close() {
      poster.close();
    },
  };
}
