// OCR tests need Debian's tesseract + its English model. No silent skip: without them the tests fail with
// the exact apt-get line (.ci/run installs both).
import { probeTesseract, TESSERACT_APT } from '../pipeline/extract/ocr.ts';

export function requireTesseract(): void {
  const p = probeTesseract('tesseract', 'eng');
  if (!p.ok) throw new Error(`tesseract with the English model is needed for the OCR tests (${p.reason.replace(/; install it with: .*$/, '')}). Install it with:\n  ${TESSERACT_APT}`);
}
