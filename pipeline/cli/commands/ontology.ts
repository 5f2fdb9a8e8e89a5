// `mmrare ontology …`: import, lookup, info, diagnose (implemented in ../ontology-cli.ts).
import type { Command } from './index.ts';

export const ontologyCommandEntry: Command = {
  name: 'ontology',
  summary: 'Orphanet lexicon: import <files>, lookup "<text>", info ORPHA:<code>, diagnose FILE.nxml [--json]',
  usage: 'mmrare ontology <import|lookup|info|diagnose> … (mmrare ontology <sub-command> --help)',
  examples: ['mmrare ontology lookup "Marfan\'s syndrome"', 'mmrare ontology info ORPHA:558', 'mmrare ontology diagnose ../shared/data/pmc/articles/PMC4738710.nxml --json'],
  run: async () => 2,
  passthrough: async (argv, io) => {
    const { ontologyCommand, ONTOLOGY_HELP } = await import('../ontology-cli.ts');
    // `mmrare ontology --help` shows the sub-commands and their options
    if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) { io.out(ONTOLOGY_HELP); return 0; }
    return ontologyCommand(argv, io);
  },
};
