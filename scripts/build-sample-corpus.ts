// Writes the sample corpus (the data dir's real case reports in the PMC Cloud bucket layout) to a folder,
// e.g. for the loopback PMC server or a bench. `mmrare run --sample` does the same into its workdir.
//
//   npx tsx scripts/build-sample-corpus.ts --out DIR [--src DIR]
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { requireLocation, resolveDataLocations } from '../pipeline/core/data-locations.ts';
import { ensureSampleCorpus } from '../pipeline/fetch/sample-corpus.ts';

const { values } = parseArgs({ options: { src: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', default: false } } });
if (values.help || !values.out) {
  process.stdout.write('Usage: npx tsx scripts/build-sample-corpus.ts --out DIR [--src DIR]\n' +
    '  --src  a folder of JATS case reports (default: the data dir\'s pmc/articles)\n' +
    'Example: npx tsx scripts/build-sample-corpus.ts --out /tmp/pmc-layout\n');
  process.exit(values.help ? 0 : 2);
}
const src = values.src ? resolve(values.src) : requireLocation(resolveDataLocations(), 'articles', 'case reports (*.nxml)');
const res = await ensureSampleCorpus(src, resolve(values.out));
process.stderr.write(`${res.built ? 'wrote' : 'up to date:'} ${res.articles} articles in ${res.dir}\n`);
