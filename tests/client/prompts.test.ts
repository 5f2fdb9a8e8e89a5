import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadPrompt, parsePrompt, renderPrompt } from '../../pipeline/client/prompts.ts';
import { imagePart } from '../../pipeline/client/chat.ts';
import { ConfigError } from '../../pipeline/core/errors.ts';
import { tempDir } from '../helpers.ts';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108020000009077' + '53de0000000c4944415408d763f8cfc000000301010018dd8db00000000049454e44ae426082', 'hex');

describe('versioned prompt files', () => {
  const text = '---\nname: pick-candidate\nversion: 3\n# a comment\n---\n@@ system\nChoose one of {{ n }} candidates.\n@@ user\nCase: {{context}}\nCandidates: {{candidates}}\n';

  it('reads name, version, hash and the messages by role', () => {
    const t = tempDir('mmrare-prompt-');
    const path = join(t.dir, 'pick.md');
    writeFileSync(path, text);
    const p = loadPrompt(path);
    t.cleanup();
    expect(p.ref).toEqual({ name: 'pick-candidate', version: '3', hash: createHash('sha256').update(text).digest('hex') });
    expect(p.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(p.variables).toEqual(['n', 'context', 'candidates']);
    const msgs = renderPrompt(p, { n: 2, context: 'a girl of 6', candidates: 'A; B' });
    expect(msgs).toEqual([
      { role: 'system', content: 'Choose one of 2 candidates.' },
      { role: 'user', content: 'Case: a girl of 6\nCandidates: A; B' },
    ]);
  });

  it('defaults the name to the file name, one user message without role lines; any edit changes the hash', () => {
    const p = parsePrompt('---\nversion: 1\n---\nJust {{q}}\n', '/x/prompts/ask-plain.txt');
    expect(p.name).toBe('ask-plain');
    expect(p.messages).toEqual([{ role: 'user', template: 'Just {{q}}' }]);
    expect(parsePrompt('---\nversion: 1\n---\nJust {{q}}!\n', 'a').hash).not.toBe(p.hash);
  });

  it('refuses a file without a version, an unknown front-matter line, a missing variable', () => {
    expect(() => parsePrompt('no front matter', 'a')).toThrow(/front matter/);
    expect(() => parsePrompt('---\nname: x\n---\nhi', 'a')).toThrow(/no 'version'/);
    expect(() => parsePrompt('---\nversion 2\n---\nhi', 'a')).toThrow(ConfigError);
    const p = parsePrompt('---\nversion: 1\n---\nHello {{who}}', 'a');
    expect(() => renderPrompt(p, {})).toThrow(/\{\{who\}\} has no value/);
    expect(() => loadPrompt('/nonexistent/prompt.md')).toThrow(/cannot read/);
  });

  it('appends images, in order, to the last user message as content parts', () => {
    const p = parsePrompt(text, 'a');
    const msgs = renderPrompt(p, { n: 1, context: 'c', candidates: 'A' }, [imagePart(PNG), imagePart(PNG, 'image/png', 'low')]);
    const last = msgs[1].content as { type: string }[];
    expect(last.map((x) => x.type)).toEqual(['text', 'image', 'image']);
    expect(typeof msgs[0].content).toBe('string');
  });
});
