// `mmrare ontology …`: import, lookup, info, diagnose (implemented in ontology/cli.ts).
import type { Command } from './index.ts';

export const ontologyCommandEntry: Command = {
  name: 'ontology',
  summary: 'Orphanet lexicon: import <files>, lookup "<text>", info ORPHA:<code>, diagnose FILE.nxml [--json]',
  usage: 'mmrare ontology <import|lookup|info|diagnose> ... (mmrare ontology --help)',
  examples: ['mmrare ontology lookup "Marfan\'s syndrome"', 'mmrare ontology info ORPHA:558', 'mmrare ontology diagnose samples/pmc-oa-opendata/PMC4738710.1/PMC4738710.1.xml --json'],
  run: async () => 2,
  passthrough: async (argv, io) => (await import('../../../ontology/cli.ts')).ontologyCommand(argv, io),
};
