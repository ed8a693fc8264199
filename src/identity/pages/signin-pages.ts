/**
 * The browser face of sign-in: `GET /oauth2/authorize` shows the sign-in page (or an error page for a
 * bad request), and `/assets/signin/*` serves the error page's stylesheet and icons. The sign-in page
 * is the web build's signin.html (see signin-app.ts): it only talks to `/auth/*` and then sends the
 * browser to the redirect_uri with the code, so this plugin holds no state and no secrets.
 */

import path from 'node:path';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import * as D from '../../platform/http/route-docs.js';
import { loadSigninAssets, packageRoot } from './assets.js';
import { parseAuthorizeQuery } from './authorize-request.js';
import { renderErrorPage, renderNotBuiltPage } from './error-page.js';
import { renderSigninApp, signinTemplate } from './signin-app.js';

export interface SigninPagesOptions {
  /** The service's public base URL (PUBLIC_URL); its origin is where redirects may always go. */
  publicUrl: string;
  /** The web build holding signin.html: PORTAL_WEB_DIR, as for the portal (default dist/web). */
  webDir: string;
}

/** The same folder the portal is served from (src/portal-web/settings.ts reads the same variable). */
export function signinWebDir(env: Record<string, string | undefined>): string {
  const given = env.PORTAL_WEB_DIR?.trim();
  return given ? path.resolve(given) : path.join(packageRoot(), 'dist', 'web');
}

const YEAR_IMMUTABLE = 'public, max-age=31536000, immutable';
const DAY = 'public, max-age=86400';

function sendHtml(reply: FastifyReply, status: number, html: string): FastifyReply {
  // no-store: the page carries the caller's state and PKCE challenge, which must not be replayed from a cache.
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(html);
}

export const signinPages: FastifyPluginAsync<SigninPagesOptions> = async (app, options) => {
  const publicOrigin = new URL(options.publicUrl).origin;
  const assets = loadSigninAssets();
  const errorAssets = { stylesheet: assets.stylesheet, favicon: assets.favicon };
  const page = signinTemplate(options.webDir);

  app.get(
    '/oauth2/authorize',
    {
      config: { access: 'public' },
      ...D.documented('oauth', 'Authorization endpoint: the sign-in page (HTML)', {
        description:
          'Shows the sign-in page, which returns the browser to redirect_uri with code and state. A bad request gets an error page, never a redirect.',
        querystring: D.object(
          {
            response_type: { const: 'code' },
            client_id: D.text(),
            redirect_uri: D.text('PUBLIC_URL origin or a loopback address'),
            code_challenge: D.text(),
            code_challenge_method: { const: 'S256' },
            state: D.text(),
            scope: D.text('SMART scopes, e.g. openid fhirUser launch/patient patient/*.rs'),
            aud: D.text('SMART: the FHIR base URL'),
          },
          ['response_type', 'client_id', 'redirect_uri', 'code_challenge', 'code_challenge_method'],
        ),
        produces: 'text/html',
        responses: {
          200: D.text('HTML'),
          400: D.text('HTML error page'),
          503: D.text('HTML page: the web app has not been built'),
        },
      }),
    },
    async (request, reply) => {
      const parsed = parseAuthorizeQuery(
        request.query,
        publicOrigin,
        `${options.publicUrl.replace(/\/$/, '')}/fhir/R4`,
      );
      if (!parsed.ok) {
        request.log.info({ problems: parsed.problems }, 'authorize request refused');
        return sendHtml(reply, 400, renderErrorPage(parsed.problems, errorAssets));
      }
      const template = await page.current();
      if (template === undefined) return sendHtml(reply, 503, renderNotBuiltPage(errorAssets));
      // "Start again" reloads the same request, always on this origin whatever the request line held.
      const queryStart = request.url.indexOf('?');
      const self = '/oauth2/authorize' + (queryStart >= 0 ? request.url.slice(queryStart) : '');
      return sendHtml(reply, 200, renderSigninApp(template, parsed.request, self));
    },
  );

  app.get<{ Params: { '*': string } }>(
    '/assets/signin/*',
    { config: { access: 'public' } },
    async (request, reply) => {
      const name = request.params['*'];
      const asset = assets.files.get(name);
      if (!asset) return reply.callNotFound();
      return reply
        .header('content-type', asset.contentType)
        .header('cache-control', name.startsWith('images/') ? DAY : YEAR_IMMUTABLE)
        .header('x-content-type-options', 'nosniff')
        .send(asset.body);
    },
  );
};
