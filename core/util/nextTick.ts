/** Resolves after pending I/O callbacks run: training loops await it between steps so that, in the
 * engine process, a stop or cancel message (and any other request) is handled before the next step. */
export function nextTick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
