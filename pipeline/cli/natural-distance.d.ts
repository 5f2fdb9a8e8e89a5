// Types for the one natural submodule the CLI uses (natural ships types only for its package root).
declare module 'natural/lib/natural/distance/levenshtein_distance.js' {
  export function DamerauLevenshteinDistance(source: string, target: string, options?: { restricted?: boolean }): number;
  export function LevenshteinDistance(source: string, target: string): number;
}
