/** Loading a page's data and submitting its forms, with the portal's handling of refusals. */
import { useCallback, useEffect, useState } from 'react';
import { ApiError } from '../api/http';
import type { Errors } from '../domain/forms';
import { type Problem, problemOf } from '../domain/problem';
import { navigate } from './router';

function problemFrom(error: unknown): Problem {
  if (error instanceof ApiError) return error.problem;
  return problemOf(0, undefined);
}

/** Signed out in the meantime (refresh refused): back to sign-in, then back here. */
export function handleSignedOut(error: unknown): boolean {
  if (error instanceof ApiError && error.problem.code === 'signed-out') {
    navigate(`/sign-in?next=${encodeURIComponent(window.location.pathname)}`, { replace: true });
    return true;
  }
  return false;
}

export interface Loaded<T> {
  data: T | undefined;
  problem: Problem | undefined;
  loading: boolean;
  reload: () => void;
}

export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [state, setState] = useState<{ data?: T; problem?: Problem; loading: boolean }>({ loading: true });
  const [attempt, setAttempt] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` names what `load` reads
  useEffect(() => {
    let live = true;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => {
        if (!live || handleSignedOut(error)) return;
        setState({ problem: problemFrom(error), loading: false });
      },
    );
    return () => {
      live = false;
    };
  }, [key, attempt]);
  const reload = useCallback(() => setAttempt((count) => count + 1), []);
  return { data: state.data, problem: state.problem, loading: state.loading, reload };
}

/** A form's submit: busy while it runs; refusals become an error summary entry. */
export function useSubmit() {
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Errors>([]);
  const run = useCallback(
    async <T>(
      action: () => Promise<T>,
      toErrors?: (problem: Problem, error: unknown) => Errors | undefined,
    ) => {
      setBusy(true);
      try {
        const result = await action();
        setErrors([]);
        return result;
      } catch (error) {
        if (handleSignedOut(error)) return undefined;
        const problem = problemFrom(error);
        setErrors(toErrors?.(problem, error) ?? [{ field: '', message: problem.message }]);
        return undefined;
      } finally {
        setBusy(false);
      }
    },
    [],
  );
  return { busy, errors, setErrors, run };
}
