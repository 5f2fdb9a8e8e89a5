// Prompts are versioned data files, not inline strings. A file is front matter, then the messages:
//
//   ---
//   name: diagnosis-answer        (optional; default: the file name without extension)
//   version: 3                    (required: bump it whenever the wording changes)
//   ---
//   @@ system
//   You are …
//   @@ user
//   The case: {{context}}
//
// `@@ <role>` lines (system | user | assistant) start a message; a file without them is one user message.
// `{{name}}` is replaced by a variable; a missing variable is an error (never an empty hole in a prompt).
// The file's sha256 is recorded with the version, so an edit without a version bump is visible in provenance.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { ConfigError } from '../core/errors.ts';
import type { ChatMessage, ChatPart, PromptRef } from './chat.ts';

export interface PromptMessageTemplate { role: ChatMessage['role']; template: string }

export interface Prompt {
  name: string;
  version: string;
  /** sha256 of the file's bytes. */
  hash: string;
  path: string;
  meta: Record<string, string>;
  messages: PromptMessageTemplate[];
  /** The variables the templates use, in first-use order. */
  variables: string[];
  ref: PromptRef;
}

const ROLE_LINE = /^@@[ \t]+(system|user|assistant)[ \t]*$/;
const VAR = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

export function parsePrompt(text: string, path = '(inline)'): Prompt {
  const src = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const fm = /^---\n([\s\S]*?)\n---\n?/.exec(src);
  if (!fm) throw new ConfigError(`prompt ${path}: missing front matter (a '---' block with 'version: …' at the top)`);
  const meta: Record<string, string> = {};
  for (const line of fm[1].split('\n')) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const m = /^([A-Za-z_][\w-]*)\s*:\s*(.*)$/.exec(line);
    if (!m) throw new ConfigError(`prompt ${path}: front matter line is not 'key: value': ${line}`);
    meta[m[1]] = m[2].trim().replace(/^(['"])(.*)\1$/, '$2');
  }
  if (!meta.version) throw new ConfigError(`prompt ${path}: front matter has no 'version'`);
  const name = meta.name || basename(path, extname(path));
  const body = src.slice(fm[0].length);
  const messages: PromptMessageTemplate[] = [];
  let role: ChatMessage['role'] | null = null;
  let lines: string[] = [];
  const flush = () => {
    const t = lines.join('\n').trim();
    if (role !== null || t !== '') messages.push({ role: role ?? 'user', template: t });
    lines = [];
  };
  for (const line of body.split('\n')) {
    const m = ROLE_LINE.exec(line);
    if (m) { if (role !== null || lines.join('').trim() !== '') flush(); role = m[1] as ChatMessage['role']; lines = []; continue; }
    lines.push(line);
  }
  flush();
  if (messages.length === 0 || messages.every((m) => m.template === '')) throw new ConfigError(`prompt ${path}: no message text`);
  const variables: string[] = [];
  for (const m of messages) for (const v of m.template.matchAll(VAR)) if (!variables.includes(v[1])) variables.push(v[1]);
  const hash = createHash('sha256').update(text).digest('hex');
  return { name, version: meta.version, hash, path, meta, messages, variables, ref: { name, version: meta.version, hash } };
}

export function loadPrompt(path: string): Prompt {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (e) {
    throw new ConfigError(`prompt ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parsePrompt(text, path);
}

export function renderTemplate(template: string, vars: Record<string, string | number>, where = 'prompt'): string {
  return template.replace(VAR, (_all, name: string) => {
    if (!(name in vars)) throw new ConfigError(`${where}: variable {{${name}}} has no value`);
    return String(vars[name]);
  });
}

/**
 * The prompt's messages with variables filled in. `images` are appended, in order, to the last user
 * message as content parts (the text first), which is where OpenAI-compatible servers expect them.
 */
export function renderPrompt(p: Prompt, vars: Record<string, string | number> = {}, images: ChatPart[] = []): ChatMessage[] {
  const out: ChatMessage[] = p.messages.map((m) => ({ role: m.role, content: renderTemplate(m.template, vars, `prompt ${p.name} v${p.version}`) }));
  if (images.length > 0) {
    let i = out.length - 1;
    while (i >= 0 && out[i].role !== 'user') i--;
    if (i < 0) throw new ConfigError(`prompt ${p.name}: images need a user message`);
    out[i] = { role: 'user', content: [{ type: 'text', text: out[i].content as string }, ...images] };
  }
  return out;
}
