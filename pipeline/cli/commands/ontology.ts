// `mmrare ontology …`: import, lookup, info, diagnose (implemented in ../ontology-cli.ts).
import type { Command } from './index.ts';

export const ontologyCommandEntry: Command = {
  name: 'ontology',
  summary: 'Orphanet lexicon: import <files>, lookup "<text>", info ORPHA:<code>, diagnose FILE.nxml [--json]',
  usage: 'mmrare ontology <import|lookup|info|diagnose> ... (mmrare ontology --help)',
  examples: ['mmrare ontology lookup "Marfan\'s syndrome"', 'mmrare ontology info ORPHA:558', 'mmrare ontology diagnose ../shared/data/pmc/articles/PMC4738710.nxml --json'],
  run: async () => 2,
  passthrough: async (argv, io) => (await import('../ontology-cli.ts')).ontologyCommand(argv, io),
};
