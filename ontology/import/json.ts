// ORPHApackets list fields are sometimes a single object, sometimes a list, sometimes null.
export function asList<T = unknown>(x: unknown): T[] {
  if (x === null || x === undefined || x === '' || x === 'no data') return [];
  return (Array.isArray(x) ? x : [x]) as T[];
}

/** Unwraps `[{Parent: [{...}]}]`-style nesting to the inner objects. */
export function unwrap(x: unknown, key: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const item of asList<Record<string, unknown>>(x)) {
    if (item && typeof item === 'object' && key in item) {
      for (const inner of asList<Record<string, unknown>>(item[key])) if (inner && typeof inner === 'object') out.push(inner);
    } else if (item && typeof item === 'object') {
      out.push(item);
    }
  }
  return out;
}

export function str(x: unknown): string {
  return typeof x === 'string' ? x.trim() : typeof x === 'number' ? String(x) : '';
}
