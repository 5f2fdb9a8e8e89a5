// Decides "non-rare in Europe" from Orphanet prevalence records.
// The EU threshold for a rare disease is <= 5 per 10,000. Orphanet classes above it are
// "6-9 / 10 000" and ">1 / 1000". Only records whose geography is Europe count: a high
// prevalence in one country or population (FMF in Turkey, sporotrichosis in Mexico) does not
// make a disease common in Europe. "Cases/families" records carry no class and are ignored.
export const NON_RARE_CLASSES = new Set(['6-9 / 10 000', '>1 / 1000']);
export const NON_RARE_RULE =
  'nonRare = some prevalence record with geographic "Europe", type other than "Cases/families", ' +
  'and class "6-9 / 10 000" or ">1 / 1000" (above the EU rare threshold of 5/10,000); ' +
  'or Orphanet product1 flags the code "Non rare disease in Europe".';

export function isNonRareInEurope(prevalence: string[]): boolean {
  return prevalence.some((p) => {
    const [type, cls, geo] = p.split('|');
    return geo === 'Europe' && type !== 'Cases/families' && NON_RARE_CLASSES.has(cls);
  });
}
