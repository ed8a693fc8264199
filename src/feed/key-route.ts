/**
 * `GET /pki/feed.pem` (public): the feed's public key as PEM (SPKI), for the ePMS to verify
 * signatures with. `Feed-Key-Id` carries the RFC 7638 thumbprint the signatures name as `keyid`;
 * the ETag is the same value, so a client can cache the key and notice when it changes.
 */
import type { FastifyInstance } from 'fastify';
import * as D from '../platform/http/route-docs.js';
import type { FeedKey } from './feed-key.js';

export const KEY_ID_HEADER = 'feed-key-id';

export async function feedKeyRoute(app: FastifyInstance, key: Pick<FeedKey, 'keyid' | 'publicPem'>) {
  app.get(
    '/pki/feed.pem',
    {
      config: { access: 'public' },
      ...D.documented('pki', 'The public key the ePMS feed signs with (PEM)', {
        produces: 'application/x-pem-file',
        responses: { 200: D.text('PEM') },
      }),
    },
    async (_request, reply) => {
      reply
        .type('application/x-pem-file')
        .header(KEY_ID_HEADER, key.keyid)
        .header('etag', `"${key.keyid}"`)
        .header('cache-control', 'public, max-age=300');
      return key.publicPem;
    },
  );
}
