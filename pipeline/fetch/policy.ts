// Which articles may enter the benchmark, decided from the PMC metadata alone (pure).
import type { PmcMetadata } from '../../schemas/pmc-metadata.ts';
import { normaliseLicenceCode } from '../core/licence.ts';

export interface Exclusion { reason: string; rule: string; detail: Record<string, unknown> }

export function admitArticle(meta: PmcMetadata, allowedLicences: readonly string[]): Exclusion | null {
  if (meta.is_retracted) return { reason: 'article_retracted', rule: 'fetch.policy.retracted', detail: { pmcid: meta.pmcid } };
  if (!meta.is_pmc_openaccess) return { reason: 'not_open_access', rule: 'fetch.policy.open_access', detail: { pmcid: meta.pmcid } };
  if (meta.is_manuscript) return { reason: 'author_manuscript', rule: 'fetch.policy.manuscript', detail: { pmcid: meta.pmcid } };
  if (meta.is_historical_ocr) return { reason: 'historical_ocr', rule: 'fetch.policy.historical_ocr', detail: { pmcid: meta.pmcid } };
  const lic = normaliseLicenceCode(meta.license_code);
  const allowed = allowedLicences.map(normaliseLicenceCode);
  if (!lic || !allowed.includes(lic)) {
    return { reason: 'licence_not_allowed', rule: 'fetch.policy.licence_allow_list', detail: { license_code: meta.license_code, allowed: allowedLicences } };
  }
  return null;
}
