// Real test images, read from ../shared/data/images (see its PROVENANCE.md and index.tsv), under short names.
import { readShared } from '../shared-data.ts';

const FILES: Record<string, string> = {
  'chest-xray-a.jpg': 'images/covid_chestxray/jkms-35-e79-g001-l-a.jpg',
  'chest-xray-b.jpg': 'images/covid_chestxray/jkms-35-e79-g001-l-b.jpg', // same article, another radiograph
  'derm-lesion.png': 'images/pad_ufes20/PAT_286_1459_666.png',         // photographic PNG
  'ecg-alpha.png': 'images/ecg_image_kit/ecg00014.png',                // RGBA line art
  'ecg-trace.png': 'images/ecg_image_kit/ecg00015.png',                // palette PNG line art
  'fundus.jpg': 'images/skimage_data/retina_fundus_normal_left_eye.jpg',
  'ihc-colon.jpg': 'images/skimage_data/ihc_colon_fhl2_512.jpg',
  'ihc-colon-reencoded.png': 'images/skimage_data/ihc_colon_fhl2_512.png', // the same tile re-encoded
  'pmc-figure-f0004.jpg': 'images/pmc_packages/PMC10802347/nihpp-2023.12.31.573776v1-f0004.jpg',
  'pmc-figure-f0004-thumb.gif': 'images/pmc_packages/PMC10802347/nihpp-2023.12.31.573776v1-f0004.gif', // PMC's gif thumbnail of it
};

export function fixtureImage(name: string): Buffer {
  const rel = FILES[name];
  if (!rel) throw new Error(`unknown test image ${name}`);
  return readShared(rel);
}
