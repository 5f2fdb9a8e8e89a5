import { readFileSync } from 'node:fs';
import { parseJats } from '../pipeline/extract/jats.ts';
import { formatArticle } from '../pipeline/extract/show.ts';
const r = parseJats(readFileSync(process.argv[2]));
if (r.ok) process.stdout.write(formatArticle(r.article)); else console.log(r);
