// `mmrare`: one small module per command (after citty). Errors end as one clear line and a
// non-zero exit code; stack traces only with --debug.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { MmrareError } from '../core/errors.ts';
import { processIo, type CliIo } from './io.ts';
import { COMMANDS, type Command } from './commands/index.ts';
import { GLOBAL_OPTIONS } from './globals.ts';

function topHelp(): string {
  const lines = [
    'mmrare — build, audit and evaluate a rare-disease multimodal benchmark from PMC Open Access case reports',
    '',
    'Usage: mmrare <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`),
    '',
    'Global options:',
    '  --workdir DIR   the store (default ./mmrare-data)',
    '  --config FILE   a JSON config file (see docs/configuration.md)',
    '  --data-dir DIR  third-party data (sample corpus, Orphanet, lexicons); default ../shared/data beside the project',
    '  --debug         stack traces and debug logs',
    '  --help          help for any command: mmrare <command> --help',
    '',
    'Example:',
    '  mmrare run --workdir W --sample',
  ];
  return lines.join('\n');
}

export function commandHelp(c: Command): string {
  const opts = Object.entries(c.options ?? {}).map(([k, o]) => `  --${k}${o.type === 'string' ? ' VALUE' : ''}${o.multiple ? ' (repeatable)' : ''}`);
  return [
    `mmrare ${c.name} — ${c.summary}`, '', `Usage: ${c.usage}`, '', c.description ?? '',
    opts.length ? 'Options:' : '', ...opts,
    '  (global) --workdir DIR, --config FILE, --data-dir DIR, --debug, --help', '', 'Example:', ...c.examples.map((e) => `  ${e}`),
  ].filter((l, i, a) => !(l === '' && a[i - 1] === '')).join('\n');
}

export async function main(argv: string[], io: CliIo = processIo(installStop())): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') { io.out(topHelp()); return name ? 0 : 1; }
  if (name === '--version') { io.out((await import('../core/version.ts')).PIPELINE_VERSION); return 0; }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) { io.err(`mmrare: unknown command "${name}" (try: mmrare --help)`); return 2; }
  const debug = rest.includes('--debug');
  try {
    if (cmd.passthrough) return await cmd.passthrough(rest, io);
    const config: ParseArgsConfig = { args: rest, options: { ...GLOBAL_OPTIONS, ...cmd.options }, allowPositionals: true, strict: true };
    let parsed;
    try { parsed = parseArgs(config); } catch (e) {
      io.err(`mmrare ${cmd.name}: ${(e as Error).message} (try: mmrare ${cmd.name} --help)`);
      return 2;
    }
    if (parsed.values.help) { io.out(commandHelp(cmd)); return 0; }
    return await cmd.run(parsed.values as Record<string, any>, parsed.positionals, io);
  } catch (e) {
    if (e instanceof MmrareError) {
      io.err(`mmrare ${cmd.name}: ${e.message}`);
      if (debug) io.err(String(e.stack));
      return e.exitCode;
    }
    if (e && typeof e === 'object' && 'issues' in e) { // zod: a config that does not validate
      const issues = (e as { issues: { path: (string | number)[]; message: string }[] }).issues;
      io.err(`mmrare ${cmd.name}: invalid config: ${issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      return 2;
    }
    io.err(`mmrare ${cmd.name}: internal error: ${(e as Error)?.message ?? e}${debug ? '' : ' (rerun with --debug for details)'}`);
    if (debug) io.err(String((e as Error)?.stack));
    return 70;
  }
}

function installStop(): { requested: boolean } {
  const stop = { requested: false };
  process.on('SIGINT', () => {
    if (stop.requested) process.exit(130);
    stop.requested = true;
    process.stderr.write('\nstopping after the items in flight (Ctrl-C again to quit now)\n');
  });
  return stop;
}
