/**
 * Client-side routing over the History API: the pathname picks the page, links push history
 * entries, and the back button works. No hash routing: every page has a real URL that the server
 * answers with the app (see src/portal-web).
 */
import { useSyncExternalStore } from 'react';

const listeners = new Set<() => void>();

function notify(): void {
  for (const listener of listeners) listener();
}

window.addEventListener('popstate', notify);

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export interface Location {
  pathname: string;
  search: string;
}

let snapshot: Location = { pathname: window.location.pathname, search: window.location.search };

function current(): Location {
  const { pathname, search } = window.location;
  if (snapshot.pathname !== pathname || snapshot.search !== search) snapshot = { pathname, search };
  return snapshot;
}

export function useLocation(): Location {
  return useSyncExternalStore(subscribe, current);
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.scrollTo(0, 0);
  notify();
}

/** Parameters of `pattern` (e.g. /appointments/:id/cancel) in `pathname`, or undefined. */
export function matchPath(pattern: string, pathname: string): Record<string, string> | undefined {
  const want = pattern.split('/').filter(Boolean);
  const have = pathname.split('/').filter(Boolean);
  if (want.length !== have.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, segment] of want.entries()) {
    const given = have[index] ?? '';
    if (segment.startsWith(':')) {
      let value: string;
      try {
        value = decodeURIComponent(given);
      } catch {
        return undefined;
      }
      if (!/^[A-Za-z0-9\-.]{1,64}$/.test(value)) return undefined;
      params[segment.slice(1)] = value;
    } else if (segment !== given) {
      return undefined;
    }
  }
  return params;
}

/** A same-origin path to return to after signing in; anything else goes home. */
export function safeReturnPath(value: string | null): string {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  return value;
}
