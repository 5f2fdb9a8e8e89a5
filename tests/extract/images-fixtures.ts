// Test images copied from shared/data/images (see tests/fixtures/extract/images/PROVENANCE.md).
import { readFileSync } from 'node:fs';

const DIR = new URL('../fixtures/extract/images/', import.meta.url).pathname;

export function fixtureImage(name: string): Buffer {
  return readFileSync(DIR + name);
}
