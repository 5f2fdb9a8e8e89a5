// A text file's lines, read in chunks: a large export file is never held whole (its lines one at a time are).
import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** Lines of a UTF-8 file without their "\n" (a last line without one included), read `chunk` bytes at a time. */
export function* fileLines(path: string, chunk = 1 << 20): Generator<string> {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(chunk);
    const dec = new StringDecoder('utf8'); // a character split across two chunks is joined
    let rest = '';
    for (;;) {
      const n = readSync(fd, buf, 0, chunk, null);
      if (n === 0) break;
      const text = rest + dec.write(buf.subarray(0, n));
      let start = 0;
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', start)) {
        yield text.slice(start, i);
        start = i + 1;
      }
      rest = text.slice(start);
    }
    rest += dec.end();
    if (rest) yield rest;
  } finally { closeSync(fd); }
}
