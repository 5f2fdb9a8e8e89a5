// Rebuilds the committed lexicon (ontology/data/orphanet-lexicon.json.gz) from the Orphanet files in
// ../shared/data/orphanet (or the folder given as the first argument). Same inputs => same bytes.
// Run: npx tsx scripts/build-lexicon.ts [ORPHANET_DIR] [--out FILE]
import { join } from 'node:path';
import { ontologyCommand } from '../ontology/cli.ts';
import { DEFAULT_SOURCES } from '../ontology/import/cli-import.ts';

const args = process.argv.slice(2);
const dir = args[0] && !args[0].startsWith('--') ? args.shift()! : join(import.meta.dirname, '..', '..', 'shared', 'data', 'orphanet');
const code = await ontologyCommand(['import', ...DEFAULT_SOURCES.map((f) => join(dir, f)), ...args], {
  out: (s) => process.stdout.write(s + '\n'),
  err: (s) => process.stderr.write(s + '\n'),
});
process.exitCode = code;
