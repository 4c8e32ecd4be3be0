export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Retry `probe` until it stops throwing, or `timeoutMs` pass (then its last
 * error is thrown). A wait for an outcome, not a timed assertion.
 */
export async function eventually<T>(probe: () => Promise<T>, timeoutMs: number, intervalMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await sleep(intervalMs);
    }
  }
}
