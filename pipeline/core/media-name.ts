// File names come from remote metadata and JATS: never trust them as paths.

/**
 * Why a media name is unsafe, or null when it is a plain relative name: no "..", no absolute path
 * or drive, no backslash, no NUL or control characters, no URL scheme, no percent-encoded
 * separators, and the same after Unicode compatibility folding ("．．／").
 */
export function unsafeMediaNameReason(name: string): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'empty name';
  if (name.length > 255) return 'name longer than 255 characters';
  for (const form of [name, name.normalize('NFKC')]) {
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f-\u009f]/.test(form)) return 'control character in name';
    if (form.includes('\\')) return 'backslash in name';
    if (form.startsWith('/') || form.startsWith('~')) return 'absolute path';
    if (form.includes(':')) return 'drive letter or URL scheme';
    if (/%(?:2e|2f|5c|00)/i.test(form)) return 'percent-encoded path characters';
    if (form.split('/').some((s) => s === '..' || s === '.' || s === '')) return 'relative path segment';
    if (/[\u202a-\u202e\u2066-\u2069]/.test(form)) return 'bidirectional control character';
  }
  return null;
}

export const isSafeMediaName = (name: string): boolean => unsafeMediaNameReason(name) === null;

/** "s3://pmc-oa-opendata/PMC1.2/file%20a.jpg?md5=ab" → { prefix: "PMC1.2", name: "file a.jpg", md5: "ab" } */
export function parseS3Url(url: string): { key: string; prefix: string; name: string; md5: string | null } | null {
  const m = url.match(/^s3:\/\/[^/]+\/(.+?)(?:\?(.*))?$/);
  if (!m) return null;
  const key = m[1];
  const params = new URLSearchParams(m[2] ?? '');
  const slash = key.lastIndexOf('/');
  let name: string;
  try { name = decodeURIComponent(key.slice(slash + 1)); } catch { return null; }
  return { key, prefix: slash >= 0 ? key.slice(0, slash) : '', name, md5: params.get('md5') };
}
