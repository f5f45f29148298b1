/**
 * Counts the typed arrays made while a function runs. Module code resolves `Float32Array` and its kin through the
 * global object when it runs, so for the duration each global constructor is swapped for a counting proxy; the
 * prototypes' `constructor` points at the proxy too, so arrays made by species (slice, map, subarray, from) are
 * counted as well. Arrays on a buffer of their own (new Float32Array(n), .slice(), .from()) are allocations; arrays on
 * an existing buffer (new Float32Array(buffer, offset, n), .subarray()) are views: an object, no element storage.
 * Both are restored in `finally`, whatever `run` throws.
 */

const NAMES = [
  'Float32Array', 'Float64Array', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array',
] as const;

export interface CensusEntry {
  /** Typed arrays with storage of their own, and their bytes. */
  allocations: number;
  bytes: number;
  /** Typed arrays on an existing buffer. */
  views: number;
}

export interface Census extends CensusEntry {
  /** By `where` label (the caller's attribution, e.g. the layer kind running) and constructor name. */
  readonly by: Map<string, CensusEntry>;
}

type AnyConstructor = new (...args: unknown[]) => ArrayBufferView;

/** Whether a constructor call put the array on an existing buffer (a view) rather than storage of its own. */
function isView(args: readonly unknown[]): boolean {
  const first = args[0];
  return first instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && first instanceof SharedArrayBuffer);
}

/**
 * @example
 * const census = countTypedArrays(() => net.forward(x), () => 'forward');
 * census.allocations // → typed arrays with their own storage made during the forward
 */
export function countTypedArrays(run: () => void, where: () => string = () => ''): Census {
  const census: Census = { allocations: 0, bytes: 0, views: 0, by: new Map() };
  const global = globalThis as unknown as Record<string, AnyConstructor>;
  const originals = NAMES.map((name) => [name, global[name]!] as const);
  const restore: (() => void)[] = [];
  try {
    for (const [name, original] of originals) {
      const proxy: AnyConstructor = new Proxy(original, {
        construct(target, args, newTarget) {
          const made = Reflect.construct(target, args, newTarget === proxy ? target : newTarget) as ArrayBufferView;
          const key = `${where()} ${name}`;
          const entry = census.by.get(key) ?? { allocations: 0, bytes: 0, views: 0 };
          census.by.set(key, entry);
          if (isView(args)) {
            census.views++;
            entry.views++;
          } else {
            census.allocations++;
            census.bytes += made.byteLength;
            entry.allocations++;
            entry.bytes += made.byteLength;
          }
          return made;
        },
      });
      global[name] = proxy;
      const prototype = original.prototype as { constructor: unknown };
      prototype.constructor = proxy;
      restore.push(() => {
        global[name] = original;
        prototype.constructor = original;
      });
    }
    run();
  } finally {
    for (const undo of restore) undo();
  }
  return census;
}

/** The census as lines `where name: n allocations (bytes B), v views`, for assertion messages and logs. */
export function describeCensus(census: Census): string {
  const lines = [...census.by].map(([key, e]) => `${key.trim()}: ${e.allocations} allocations (${e.bytes} B), ${e.views} views`);
  return lines.length ? lines.join('\n') : 'none';
}
