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
 * Licence code from a JATS <license> element (its URL first, then the licence wording), for
 * sources that carry no metadata JSON. Returns null when it names no Creative Commons licence.
 */
export function licenceCodeFromJats(href: string | null, text: string): string | null {
  for (const src of [(href ?? '').toLowerCase(), text.toLowerCase()]) {
    const m = src.match(/creativecommons\.org\/(licenses|publicdomain)\/([a-z-]+)/);
    if (m) return m[1] === 'publicdomain' ? (m[2] === 'zero' ? 'CC0' : 'PD') : `CC ${m[2].toUpperCase()}`;
  }
  const t = text.toLowerCase().replace(/\s+/g, ' ');
  if (/\bcc0\b|public domain dedication|creative commons zero/.test(t)) return 'CC0';
  const written = /\bcc[ -](by(?:[ -](?:nc|sa|nd))*)\b/i.exec(text);
  if (written) return `CC ${written[1].toUpperCase().replace(/ /g, '-')}`;
  if (!/creative commons/.test(t)) return null;
  // CC orders the elements BY-NC-SA / BY-NC-ND
  const parts = ['BY'];
  if (/non-?commercial/.test(t)) parts.push('NC');
  if (/share-?alike/.test(t)) parts.push('SA');
  else if (/no-?deriv|noderivatives|no derivative/.test(t)) parts.push('ND');
  return `CC ${parts.join('-')}`;
}
