/**
 * The ePMS feed capability (docs/api.md §8). It always has a key (so /pki/feed.pem can be given to
 * the ePMS before the feed is switched on) and the operator's routes; the `epms-feed` consumer is
 * registered only when EPMS_URL is set. Without it events are still recorded in the outbox, but
 * no deliveries are made for the feed: switching it on later sends events from then on.
 */
import type { Capability, CapabilityFactory } from '../platform/capability.js';
import { feedAdminRoutes } from './admin-routes.js';
import { createFeedConsumer, FEED_CONSUMER } from './consumer.js';
import { loadOrCreateFeedKey } from './feed-key.js';
import { feedKeyRoute } from './key-route.js';
import { registerFeedMetrics } from './metrics.js';
import { readFeedSettings } from './settings.js';

export const feedCapability: CapabilityFactory = async (context): Promise<Capability> => {
  const settings = readFeedSettings(context.env, context.config.epmsUrl);
  const log = context.log.child({ component: 'epms-feed' });
  const key = await loadOrCreateFeedKey(context.db, context.secretKey);
  const metrics = registerFeedMetrics(context.metrics, {
    stats: async () => (await context.outbox.stats()).consumers.find((row) => row.consumer === FEED_CONSUMER),
    log,
  });
  const { eventsUrl } = settings;
  if (eventsUrl) {
    context.outbox.register(createFeedConsumer({ eventsUrl, settings, key, metrics }));
    log.info({ endpoint: eventsUrl, keyid: key.keyid }, 'ePMS feed enabled');
  } else {
    log.info({ keyid: key.keyid }, 'ePMS feed disabled (EPMS_URL not set); events are still recorded');
  }
  return {
    name: 'feed',
    async routes(app) {
      await feedKeyRoute(app, key);
      await app.register(async (admin) =>
        feedAdminRoutes(admin, {
          db: context.db,
          outbox: context.outbox,
          access: context.access,
          audit: context.audit,
          eventsUrl,
        }),
      );
    },
  };
};
