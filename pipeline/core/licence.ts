// Licence codes: the PMC Cloud Service spellings, presets of allowed licences, and reading one from JATS.

export const LICENCE_PRESETS: Record<string, string[]> = {
  // PMC Cloud Service license_code values
  all_cc: ['CC0', 'CC BY', 'CC BY-SA', 'CC BY-NC', 'CC BY-NC-SA', 'CC BY-ND', 'CC BY-NC-ND'],
  commercial_safe: ['CC0', 'CC BY'],
};

/** Normalises the spellings seen in the wild ("cc by-nc", "CC-BY 4.0") to the bucket's codes. */
export function normaliseLicenceCode(code: string | null | undefined): string | null {
  if (!code) return null;
  let c = code.trim().toUpperCase().replace(/_/g, ' ');
  c = c.replace(/\s+\d(\.\d)?$/, '');            // drop a trailing version "4.0"
  c = c.replace(/^CC[- ]?ZERO$/, 'CC0');
  c = c.replace(/^CC[- ](BY.*)$/, 'CC $1').replace(/^CC (BY)[ -]?/, 'CC BY-').replace(/-$/, '');
  return c === 'CC BY-' ? 'CC BY' : c;
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

/**
 * Release presets (`mmrare export --format … --licence-preset NAME`): the licences a release may
 * redistribute. Codes are compared after normaliseLicenceCode. `redistributable` (the default) takes the
 * licences that allow redistribution and derivatives for any use; `noncommercial-ok` adds the NC variants;
 * `all` takes every licence the store holds (the user answers for the rest).
 */
export const RELEASE_LICENCE_PRESETS: Record<string, { licences: string[] | 'any'; description: string }> = {
  redistributable: { licences: ['CC0', 'PD', 'CC BY', 'CC BY-SA'], description: 'CC0, public domain, CC BY, CC BY-SA: redistribution and derivatives for any use' },
  'noncommercial-ok': { licences: ['CC0', 'PD', 'CC BY', 'CC BY-SA', 'CC BY-NC', 'CC BY-NC-SA'], description: 'adds CC BY-NC and CC BY-NC-SA (non-commercial use only)' },
  all: { licences: 'any', description: 'every licence, ND variants and unknown codes too (you answer for the redistribution)' },
};
export const DEFAULT_RELEASE_PRESET = 'redistributable';

/** Whether a release under `preset` may redistribute an item under `code`. */
export function releaseAllows(preset: string, code: string | null | undefined): boolean {
  const p = RELEASE_LICENCE_PRESETS[preset];
  if (!p) throw new Error(`unknown licence preset ${preset}`);
  if (p.licences === 'any') return true;
  const c = normaliseLicenceCode(code);
  return c !== null && p.licences.includes(c);
}
