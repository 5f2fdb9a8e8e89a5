// Which articles may enter the benchmark, decided from the PMC metadata alone (pure).
import type { PmcMetadata } from '../../schemas/pmc-metadata.ts';

export const LICENCE_PRESETS: Record<string, string[]> = {
  // PMC Cloud Service license_code values
  all_cc: ['CC0', 'CC BY', 'CC BY-SA', 'CC BY-NC', 'CC BY-NC-SA', 'CC BY-ND', 'CC BY-NC-ND'],
  commercial_safe: ['CC0', 'CC BY'],
};

export interface Exclusion { reason: string; rule: string; detail: Record<string, unknown> }

/** Normalises the spellings seen in the wild ("cc by-nc", "CC-BY 4.0") to the bucket's codes. */
export function normaliseLicenceCode(code: string | null | undefined): string | null {
  if (!code) return null;
  let c = code.trim().toUpperCase().replace(/_/g, ' ');
  c = c.replace(/\s+\d(\.\d)?$/, '');            // drop a trailing version "4.0"
  c = c.replace(/^CC[- ]?ZERO$/, 'CC0');
  c = c.replace(/^CC[- ](BY.*)$/, 'CC $1').replace(/^CC (BY)[ -]?/, 'CC BY-').replace(/-$/, '');
  return c === 'CC BY-' ? 'CC BY' : c;
}

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

/**
 * Licence code from a JATS <license> element (href first, then the licence text), for sources
 * that carry no metadata JSON. Returns null when the text names no Creative Commons licence.
 */
export function licenceCodeFromJats(href: string | null, text: string): string | null {
  const url = (href ?? '').toLowerCase();
  const m = url.match(/creativecommons\.org\/(licenses|publicdomain)\/([a-z-]+)/);
  if (m) return m[1] === 'publicdomain' ? 'CC0' : `CC ${m[2].toUpperCase()}`;
  const t = text.toLowerCase().replace(/\s+/g, ' ');
  const urlInText = t.match(/creativecommons\.org\/(licenses|publicdomain)\/([a-z-]+)/);
  if (urlInText) return urlInText[1] === 'publicdomain' ? 'CC0' : `CC ${urlInText[2].toUpperCase()}`;
  if (/\bcc0\b|public domain dedication/.test(t)) return 'CC0';
  if (!/creative commons|\bcc[- ]by\b/.test(t)) return null;
  const parts = ['CC BY'];
  if (/non-?commercial/.test(t)) parts.push('NC');
  if (/no-?deriv|noderivatives|no derivatives/.test(t)) parts.push('ND');
  if (/share-?alike/.test(t)) parts.push('SA');
  // CC orders the elements BY-NC-SA / BY-NC-ND
  return parts.join('-').replace('CC BY-', 'CC BY-').replace('ND-SA', 'SA');
}
