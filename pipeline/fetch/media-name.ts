// File names come from remote metadata and JATS: never trust them as paths.
export function isSafeMediaName(name: string): boolean {
  if (!name || name.length > 255) return false;
  if (name.includes('/') || name.includes('\\') || name.includes('\0')) return false;
  if (name === '.' || name === '..' || name.startsWith('..')) return false;
  if (/[\u0000-\u001f\u007f]/.test(name)) return false;
  if (/^[a-zA-Z]:/.test(name)) return false;
  return true;
}

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
