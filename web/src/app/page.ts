/**
 * What every page does on arrival: a document title naming the page (and "Error:" while it shows
 * errors), and keyboard focus on its main heading after a change of page, so screen readers
 * announce the new page and Tab starts from it. The first page of a visit keeps focus at the top,
 * where the skip link is.
 */
import { type RefObject, useEffect, useRef } from 'react';

export const SERVICE = 'Pathways';
let firstHeadingShown = false;

export function titleOf(title: string, hasErrors: boolean): string {
  return `${hasErrors ? 'Error: ' : ''}${title} – ${SERVICE}`;
}

export function useTitle(title: string, hasErrors = false): void {
  useEffect(() => {
    document.title = titleOf(title, hasErrors);
  }, [title, hasErrors]);
}

/** For an h1 (or a step's heading): focus it when it appears, except on the visit's first page. */
export function useFocusOnArrival<T extends HTMLElement>(): RefObject<T | null> {
  const ref = useRef<T>(null);
  useEffect(() => {
    if (!firstHeadingShown) {
      firstHeadingShown = true;
      return;
    }
    ref.current?.focus();
  }, []);
  return ref;
}

/** Focus something that just appeared (a confirmation, a new section) whenever `key` changes. */
export function useFocusWhen<T extends HTMLElement>(key: unknown): RefObject<T | null> {
  const ref = useRef<T>(null);
  useEffect(() => {
    if (key) ref.current?.focus();
  }, [key]);
  return ref;
}
