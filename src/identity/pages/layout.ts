/**
 * The NHS.UK page frame (skip link, header, main, footer) of the sign-in error pages, following
 * nhsuk-frontend 10's template.njk markup. No scripts, and no inline styles: the CSP forbids them.
 */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for element content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

export interface LayoutAssets {
  stylesheet: string;
  favicon: string;
}

// The NHS logo, from nhsuk-frontend's header component (an SVG path, so no image request).
const NHS_LOGO =
  '<svg class="nhsuk-header__logo" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 80" height="40" width="100" focusable="false" role="img" aria-label="NHS"><title>NHS</title><path fill="currentcolor" d="M200 0v80H0V0h200Zm-27.5 5.5c-14.5 0-29 5-29 22 0 10.2 7.7 13.5 14.7 16.3l.7.3c5.4 2 10.1 3.9 10.1 8.4 0 6.5-8.5 7.5-14 7.5s-12.5-1.5-16-3.5L135 70c5.5 2 13.5 3.5 20 3.5 15.5 0 32-4.5 32-22.5 0-19.5-25.5-16.5-25.5-25.5 0-5.5 5.5-6.5 12.5-6.5a35 35 0 0 1 14.5 3l4-13.5c-4.5-2-12-3-20-3Zm-131 2h-22l-14 65H22l9-45h.5l13.5 45h21.5l14-65H64l-9 45h-.5l-13-45Zm63 0h-18l-13 65h17l6-28H117l-5.5 28H129l13.5-65H125L119.5 32h-20l5-24.5Z"/></svg>';

export const SERVICE_NAME = 'Pathways';

export function renderLayout(options: { title: string; assets: LayoutAssets; body: string }): string {
  const { title, assets, body } = options;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="theme-color" content="#005eb8">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="${escapeHtml(assets.favicon)}" sizes="any" type="image/svg+xml">
<link rel="stylesheet" href="${escapeHtml(assets.stylesheet)}">
</head>
<body>
<a class="nhsuk-skip-link" href="#maincontent">Skip to main content</a>
<header class="nhsuk-header" role="banner">
<div class="nhsuk-header__container nhsuk-width-container">
<div class="nhsuk-header__service">${NHS_LOGO}<span class="nhsuk-header__service-name">${SERVICE_NAME}</span></div>
</div>
</header>
<div class="nhsuk-width-container">
<main class="nhsuk-main-wrapper" id="maincontent" tabindex="-1">
<div class="nhsuk-grid-row">
<div class="nhsuk-grid-column-two-thirds">
${body}
</div>
</div>
</main>
</div>
<footer class="nhsuk-footer" role="contentinfo">
<div class="nhsuk-width-container">
<div class="nhsuk-footer__meta">
<p class="nhsuk-body-s">${SERVICE_NAME}: digital prescribing for the NHS</p>
</div>
</div>
</footer>
</body>
</html>
`;
}
