import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileLines } from '../../pipeline/core/lines.ts';
import { fileSha256 } from '../../pipeline/core/hash.ts';

const dir = mkdtempSync(join(tmpdir(), 'mmrare-lines-'));

describe('fileLines', () => {
  it('gives the lines split("\\n") gives, whatever the chunk size, multi-byte characters across chunk edges included', () => {
    const text = ['{"a":"é—ü 中文"}', '', 'plain', '🙂🙂 emoji line', 'last without newline'].join('\n');
    const p = join(dir, 'a.jsonl');
    writeFileSync(p, text);
    for (const chunk of [1, 2, 3, 5, 7, 64, 1 << 20]) expect([...fileLines(p, chunk)], `chunk ${chunk}`).toEqual(text.split('\n'));
    writeFileSync(p, 'x\ny\n');
    expect([...fileLines(p, 3)]).toEqual(['x', 'y']); // a final "\n" ends the last line, it does not start an empty one
    writeFileSync(p, '');
    expect([...fileLines(p)]).toEqual([]);
  });

  it('fileSha256 equals the hash of the whole file, over several read chunks', () => {
    const p = join(dir, 'b.bin');
    const bytes = Buffer.alloc(2.5 * (1 << 20));
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) & 255;
    writeFileSync(p, bytes);
    expect(fileSha256(p)).toBe(createHash('sha256').update(bytes).digest('hex'));
  });
});
