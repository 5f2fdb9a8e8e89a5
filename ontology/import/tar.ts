// A tiny ustar/pax reader: enough for `git archive | gzip` tarballs, with no extra dependency.
import { gunzipSync } from 'node:zlib';

export interface TarFile { path: string; data: Buffer }

function cstr(buf: Buffer, start: number, len: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end === -1 || end > start + len ? start + len : end);
}

function parsePaxPath(data: Buffer): string | null {
  // pax records: "<len> key=value\n"
  const text = data.toString('utf8');
  const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(text);
  return m ? m[1] : null;
}

/** Lists regular files of a tar (gzip-compressed or not). */
export function readTar(input: Buffer): TarFile[] {
  const buf = input[0] === 0x1f && input[1] === 0x8b ? gunzipSync(input) : input;
  const out: TarFile[] = [];
  let off = 0;
  let nextPath: string | null = null;
  while (off + 512 <= buf.length) {
    const header = buf.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const name = cstr(header, 0, 100);
    const size = parseInt(cstr(header, 124, 12).trim() || '0', 8);
    const flag = String.fromCharCode(header[156] || 48);
    const prefix = header.toString('utf8', 257, 262) === 'ustar' ? cstr(header, 345, 155) : '';
    const data = buf.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (flag === 'x') { nextPath = parsePaxPath(data); continue; }
    if (flag === 'L') { nextPath = cstr(data, 0, data.length); continue; }
    if (flag === 'g') continue;
    const path = nextPath ?? (prefix ? `${prefix}/${name}` : name);
    nextPath = null;
    if (flag === '0' || flag === '\0' || flag === '7') out.push({ path, data: Buffer.from(data) });
  }
  return out;
}
