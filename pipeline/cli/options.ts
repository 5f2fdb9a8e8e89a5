// Options as the command table declares them (type, value name, description), parsed strictly with
// node:util's parseArgs; unknown options get a "did you mean", and help lists each with its description.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.ts';
import { didYouMean } from './suggest.ts';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  default?: string | boolean;
  /** The value's name in help (DIR, FILE, N); string options only. */
  value?: string;
  description: string;
}
export type OptionTable = Record<string, OptionSpec>;

/** Options every command takes. */
export const GLOBAL_OPTIONS: OptionTable = {
  workdir: { type: 'string', default: './mmrare-data', value: 'DIR', description: 'the store: mmrare.db, blobs/, export/ (default ./mmrare-data)' },
  config: { type: 'string', value: 'FILE', description: 'a JSON config file, validated by every command (docs/configuration.md)' },
  'data-dir': { type: 'string', value: 'DIR', description: 'third-party data: sample corpus, Orphanet release, lexicons (default ../shared/data beside the project; docs/data.md)' },
  debug: { type: 'boolean', default: false, description: 'debug logs, and a stack trace with any error' },
  help: { type: 'boolean', short: 'h', default: false, description: 'this help' },
};

function toParseArgs(table: OptionTable): NonNullable<ParseArgsConfig['options']> {
  const out: NonNullable<ParseArgsConfig['options']> = {};
  for (const [k, o] of Object.entries(table)) {
    out[k] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}), ...(o.default !== undefined ? { default: o.default as never } : {}) };
  }
  return out;
}

export interface Parsed { values: Record<string, any>; positionals: string[] }

/**
 * Parses `args` against the table. Every problem is a UsageError naming the option: unknown (with the
 * closest known one), a value missing, or a value given to a switch.
 */
export function parseOptions(command: string, args: string[], table: OptionTable): Parsed {
  const names = Object.keys(table);
  const shorts = new Map(Object.entries(table).filter(([, o]) => o.short).map(([k, o]) => [o.short!, k]));
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') break;
    if (a.startsWith('--')) {
      const [name, inline] = [a.slice(2).split('=')[0], a.includes('=') ? a.slice(a.indexOf('=') + 1) : undefined];
      const spec = table[name];
      if (!spec) throw new UsageError(`unknown option --${name}${didYouMean(name, names, (s) => `--${s}`)}`, command);
      if (spec.type === 'string') {
        if (inline === undefined) {
          const next = args[i + 1];
          if (next === undefined || (next.startsWith('--') && next.length > 2)) throw new UsageError(`--${name} needs a value (${spec.value ?? 'VALUE'})`, command);
          i++;
        } else if (inline === '') throw new UsageError(`--${name} needs a value (${spec.value ?? 'VALUE'})`, command);
      } else if (inline !== undefined) {
        throw new UsageError(`--${name} is a switch and takes no value (got --${name}=${inline})`, command);
      }
    } else if (a.startsWith('-') && a.length > 1 && !/^-\d/.test(a)) {
      for (const ch of a.slice(1)) {
        if (!shorts.has(ch)) throw new UsageError(`unknown option -${ch}${a.length === 2 ? didYouMean(a.slice(1), names, (s) => `--${s}`) : ''}`, command);
      }
    }
  }
  try {
    const { values, positionals } = parseArgs({ args, options: toParseArgs(table), allowPositionals: true, strict: true });
    return { values: values as Record<string, any>, positionals };
  } catch (e) {
    // anything the pre-scan did not catch, in the same shape
    throw new UsageError(String((e as Error).message).replace(/\. To specify a positional.*$/s, ''), command);
  }
}

/** Wraps a description to the terminal width, continuation lines indented under the first. */
function wrap(text: string, indent: number, width = 100): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let cur = '';
  for (const w of words) {
    if (cur && indent + cur.length + 1 + w.length > width) { lines.push(cur); cur = w; } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) lines.push(cur);
  return lines;
}

/** One line (or a few, wrapped) per option: `  --from-dir DIR     a folder in the PMC bucket layout`. */
export function formatOptions(table: OptionTable, minCol = 24): string[] {
  const out: string[] = [];
  const leftOf = (k: string, o: OptionTable[string]): string => `  ${o.short ? `-${o.short}, ` : ''}--${k}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}${o.multiple ? ' …' : ''}`;
  // the column widens to the table's longest option (up to 34), so a long name keeps its description beside it
  const col = Math.min(34, Math.max(minCol, ...Object.entries(table).map(([k, o]) => leftOf(k, o).length + 1)));
  for (const [k, o] of Object.entries(table)) {
    const left = leftOf(k, o);
    const desc = wrap(o.description, col + 1);
    if (left.length >= col) { out.push(left); out.push(...desc.map((d) => `${' '.repeat(col + 1)}${d}`)); continue; }
    out.push(`${left.padEnd(col)} ${desc[0] ?? ''}`, ...desc.slice(1).map((d) => `${' '.repeat(col + 1)}${d}`));
  }
  return out;
}
