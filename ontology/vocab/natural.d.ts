// Types for the `natural` submodules imported directly (the package root pulls database drivers and a
// dotenv banner; docs/libraries.md). Only what mmrare calls is declared.
declare module 'natural/lib/natural/stemmers/porter_stemmer.js' {
  const PorterStemmer: { stem(word: string): string };
  export default PorterStemmer;
}
