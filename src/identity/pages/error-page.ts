/**
 * The page for a sign-in link that can't be honoured. It says what was wrong (for the developers of
 * the calling service) but never links to the redirect_uri it was given: that is the open redirect
 * this page exists to refuse.
 */
import { escapeHtml, type LayoutAssets, renderLayout, SERVICE_NAME } from './layout.js';

export const ERROR_TITLE = `Sorry, there is a problem with this sign-in link – ${SERVICE_NAME} – NHS`;

export function renderErrorPage(problems: string[], assets: LayoutAssets): string {
  const items = problems.map((problem) => `<li>${escapeHtml(problem)}</li>`).join('\n');
  const body = `<h1 class="nhsuk-heading-l">Sorry, there is a problem with this sign-in link</h1>
<p class="nhsuk-body">The service that sent you here gave an incomplete or incorrect sign-in link, so you cannot sign in from it.</p>
<p class="nhsuk-body">Go back to the service you came from and try again. If this keeps happening, contact your service desk.</p>
<h2 class="nhsuk-heading-s">Details for the service's developers</h2>
<ul class="nhsuk-list nhsuk-list--bullet">
${items}
</ul>`;
  return renderLayout({ title: ERROR_TITLE, assets, body });
}

/** Served instead of the sign-in page while the web app (web/, built into dist/web) is missing. */
export function renderNotBuiltPage(assets: LayoutAssets): string {
  const body = `<h1 class="nhsuk-heading-l">Sorry, the sign-in page is not available</h1>
<p class="nhsuk-body">The sign-in page has not been built on this server. Try again later.</p>
<h2 class="nhsuk-heading-s">Details for the service's operators</h2>
<p class="nhsuk-body">Run <code>npm run build</code> (or <code>npm run build:web</code>): the page is web/signin.html, built into the same folder as the portal (PORTAL_WEB_DIR, default dist/web).</p>`;
  return renderLayout({ title: `Sign-in page not available – ${SERVICE_NAME} – NHS`, assets, body });
}
