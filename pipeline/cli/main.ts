// `mmrare`: one small module per command (after citty). Errors end as one clear line and the exit code
// of the error table (./errors.ts, docs/cli.md); stack traces only with --debug.
import { processIo, type CliIo } from './io.ts';
import { COMMANDS, type Command } from './commands/index.ts';
import { GLOBAL_OPTIONS, formatOptions, parseOptions } from './options.ts';
import { UsageError, exitCodeLine, reportError } from './errors.ts';
import { didYouMean } from './suggest.ts';

function topHelp(): string {
  const lines = [
    'mmrare — build, audit and evaluate a rare-disease multimodal benchmark from PMC Open Access case reports',
    '',
    'Usage: mmrare <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`),
    '',
    'Global options (every command):',
    ...formatOptions(GLOBAL_OPTIONS),
    '',
    exitCodeLine(),
    '',
    'Examples:',
    '  mmrare run --workdir W --sample              # the whole pipeline on the sample corpus (what `npm start` does)',
    '  mmrare list --workdir W --status exported    # the questions it exported',
    '  mmrare audit --workdir W --question ID       # every decision behind one of them',
  ];
  return lines.join('\n');
}

export function commandHelp(c: Command): string {
  const opts = c.options ?? {};
  return [
    `mmrare ${c.name} — ${c.summary}`, '', `Usage: ${c.usage}`, '', c.description ?? '', '',
    Object.keys(opts).length ? 'Options:' : '', ...formatOptions(opts), '',
    'Global options:', ...formatOptions(GLOBAL_OPTIONS), '',
    exitCodeLine(), '',
    c.examples.length > 1 ? 'Examples:' : 'Example:', ...c.examples.map((e) => `  ${e}`),
  ].filter((l, i, a) => !(l === '' && (a[i - 1] === '' || i === 0))).join('\n');
}

export async function main(argv: string[], io: CliIo = processIo(installStop())): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    if (name === 'help' && rest[0]) return main([rest[0], '--help'], io);
    io.out(topHelp());
    return name ? 0 : 2;
  }
  if (name === '--version') { io.out((await import('../core/version.ts')).PIPELINE_VERSION); return 0; }
  const debug = rest.includes('--debug');
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    const known = COMMANDS.map((c) => c.name);
    const msg = name.startsWith('-')
      ? `${name} comes after a command: mmrare <command> ${name} …`
      : `unknown command ${name}${didYouMean(name, known)}; the commands are ${known.join(', ')}`;
    return reportError(new UsageError(msg, ''), '', io.err, debug);
  }
  try {
    if (cmd.passthrough) return await cmd.passthrough(rest, io);
    const parsed = parseOptions(cmd.name, rest, { ...GLOBAL_OPTIONS, ...cmd.options });
    if (parsed.values.help) { io.out(commandHelp(cmd)); return 0; }
    return await cmd.run(parsed.values, parsed.positionals, io);
  } catch (e) {
    return reportError(e, cmd.name, io.err, debug);
  }
}

function installStop(): { requested: boolean; signal: AbortSignal } {
  const ctl = new AbortController();
  const stop = { requested: false, signal: ctl.signal };
  process.on('SIGINT', () => {
    if (stop.requested) process.exit(130);
    stop.requested = true;
    process.stderr.write('\nstopping after the items in flight (within a second: any still running then are left for the next run; Ctrl-C again to quit now)\n');
    ctl.abort();
  });
  return stop;
}
