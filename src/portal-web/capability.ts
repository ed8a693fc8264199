/**
 * The patient and service-desk web portal (React, built from web/ into dist/web), served by the
 * same server at `/`. It holds no data and has no API of its own: the app calls the service's
 * /auth, /oauth2, /fhir and /admin APIs from the browser with the signed-in person's token.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { CapabilityFactory } from '../platform/capability.js';
import { portalWebRoutes } from './routes.js';
import { loadPortalWebSettings } from './settings.js';

export const portalWebCapability: CapabilityFactory = (context) => {
  const settings = loadPortalWebSettings(context.env);
  if (!existsSync(path.join(settings.dir, 'index.html'))) {
    context.log.warn({ dir: settings.dir }, 'portal web app not built: / answers 503 until `npm run build`');
  }
  return {
    name: 'portal-web',
    routes: (app) => portalWebRoutes(app, settings),
    async seedDemo() {
      return [
        `  web portal       ${context.config.publicUrl}/  (sign in as demo-patient or demo-service-desk)`,
      ];
    },
  };
};
