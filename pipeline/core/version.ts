// The pipeline version (package.json), in a module of its own so `--version` loads nothing else.
import { readFileSync } from 'node:fs';

export const PIPELINE_VERSION: string = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
