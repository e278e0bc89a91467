// A promise that rejects when `signal` aborts, and a way to stop listening (a long-lived signal
// must not collect one listener per epoch).
export function abortPromise(signal: AbortSignal | undefined): { aborted: Promise<never> | undefined; detach: () => void } {
  if (!signal) return { aborted: undefined, detach: () => {} };
  let onAbort: () => void = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => {});
  return { aborted, detach: () => signal.removeEventListener('abort', onAbort) };
}

/** `promise`, or the abort's rejection if that comes first. */
export function raced<T>(promise: Promise<T>, aborted: Promise<never> | undefined): Promise<T> {
  return aborted ? Promise.race([promise, aborted]) : promise;
}
