// A cross-image question that shows two panels of one figure names them `<image id>#A`, `#B`; the audit must
// find each panel's image row (its bytes, format and placeholder mark) under the figure's image id. Before,
// the page showed "image bytes not in the store" for panels and counted them as real (not placeholder) images.
import { describe, it, expect, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers.ts';
import { mmrare, smallLayout } from './helpers.ts';

const work = tempDir('mmrare-cli-panels-');
afterAll(() => work.cleanup());

describe('audit of a question that shows panels', () => {
  it('resolves each panel to its figure image', async () => {
    const src = await smallLayout(join(work.dir, 'src'), ['PMC4735894']);
    const W = join(work.dir, 'w');
    const config = join(work.dir, 'cross-image-only.json');
    writeFileSync(config, JSON.stringify({ generate: { tracks: ['cross-image'] } }));
    const run = mmrare(['run', '--workdir', W, '--from-dir', src, '--config', config]);
    expect(run.code, run.stderr).toBe(0);
    const list = mmrare(['list', '--workdir', W, '--track', 'cross-image', '--json', '--config', config]);
    expect(list.code, list.stderr).toBe(0);
    const ids = (JSON.parse(list.stdout) as { questions: { id: string }[] }).questions.map((q) => q.id);
    expect(ids.length).toBeGreaterThan(0);
    const a = mmrare(['audit', '--workdir', W, '--question', ids[0], '--json', '--config', config]);
    expect(a.code, a.stderr).toBe(0);
    const images = (JSON.parse(a.stdout) as { images: { imageId: string; placeholder: boolean; format: string | null; thumb_sha256: string | null }[] }).images;
    const panels = images.filter((im) => im.imageId.includes('#'));
    expect(panels.length).toBeGreaterThanOrEqual(2);
    for (const im of images) {
      // the sample's figures are placeholder cards: every image, panels included, is one, with its bytes stored
      expect(im, im.imageId).toMatchObject({ placeholder: true });
      expect(im.format, im.imageId).not.toBeNull();
      expect(im.thumb_sha256, im.imageId).toMatch(/^[0-9a-f]{64}$/);
    }
  }, 120_000);
});
