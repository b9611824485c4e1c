/** Runs a call that is expected to throw often, without paying for a stack trace each time. */
export function quietly<T>(call: () => T, fallback: T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return call();
  } catch {
    return fallback;
  } finally {
    Error.stackTraceLimit = limit;
  }
}
