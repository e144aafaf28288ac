/** Names for long-lived values in a notebook, so that re-running a cell frees what the previous run made. */

/** Anything that holds tensors and can free them. */
export interface Disposable {
  dispose(): void;
}

const kept = new Map<string, Disposable>();

/** Keeps `value` under `name`, disposing whatever was kept under that name before (unless it is the same object). */
export function keep<T extends Disposable>(name: string, value: T): T {
  const previous = kept.get(name);
  if (previous && previous !== value) previous.dispose();
  kept.set(name, value);
  return value;
}

/** Disposes every kept value (the end of a notebook, or a test's cleanup). */
export function disposeKept(): void {
  for (const value of kept.values()) value.dispose();
  kept.clear();
}
