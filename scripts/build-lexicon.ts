// Compiles the Orphanet lexicon from the data dir's release (../shared/data/orphanet, or --data-dir DIR)
// into a file, e.g. to inspect it or to pin it with config "data.lexicon". Same inputs => same bytes.
// Run: npx tsx scripts/build-lexicon.ts --out FILE [--data-dir DIR]
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import { resolveDataLocations } from '../pipeline/core/data-locations.ts';
import { importOrphanet, serializeLexicon } from '../ontology/import/index.ts';
import { orphanetSources } from '../ontology/lexicon-cache.ts';

const { values } = parseArgs({ options: { out: { type: 'string' }, 'data-dir': { type: 'string' }, help: { type: 'boolean' } } });
if (values.help || !values.out) {
  process.stdout.write('Usage: npx tsx scripts/build-lexicon.ts --out FILE [--data-dir DIR]\nExample: npx tsx scripts/build-lexicon.ts --out /tmp/orphanet-lexicon.json.gz\n');
  process.exit(values.help ? 0 : 2);
}
const sources = orphanetSources(resolveDataLocations({ flag: values['data-dir'] ?? null }));
const t0 = performance.now();
const lex = importOrphanet(sources);
writeFileSync(values.out, serializeLexicon(lex));
process.stderr.write(`release ${lex.release}: ${lex.entries.length} entries from ${sources.length} files in ${Math.round(performance.now() - t0)} ms -> ${values.out}\n`);
