// The command table. Each command is a small module; `mmrare <name> --help` prints its usage, every
// option with its description, and examples (docs/cli.md lists the same).
import type { CliIo } from '../io.ts';
import type { OptionTable } from '../options.ts';
import { runCommand, stageCommands } from './run.ts';
import { fetchCommand } from './fetch.ts';
import { statusCommand } from './status.ts';
import { listCommand } from './list.ts';
import { auditCommand } from './audit.ts';
import { showCommand } from './show.ts';
import { ontologyCommandEntry } from './ontology.ts';
import { evaluateCommand } from './evaluate.ts';
import { reportCommand } from './report.ts';
import { reviewCommand } from './review.ts';
import { addCommand } from './add.ts';
import { withReleaseFormats } from './release.ts';

export interface Command {
  name: string;
  summary: string;
  usage: string;
  description?: string;
  examples: string[];
  options?: OptionTable;
  run(values: Record<string, any>, positionals: string[], io: CliIo): Promise<number>;
  /** Commands with their own sub-commands parse their arguments themselves. */
  passthrough?: (argv: string[], io: CliIo) => Promise<number>;
}

export const COMMANDS: Command[] = [runCommand, fetchCommand, ...stageCommands.map(withReleaseFormats), addCommand, statusCommand, listCommand, auditCommand, showCommand, reviewCommand, evaluateCommand, reportCommand, ontologyCommandEntry];
