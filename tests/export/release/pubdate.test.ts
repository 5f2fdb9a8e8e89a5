// The publication date read from JATS: electronic first, then print, then others, collection last; as
// precise as the XML gives it. Synthetic front matter, written here.
import { describe, it, expect } from 'vitest';
import { publicationDate } from '../../../pipeline/export/release/pubdate.ts';

const meta = (dates: string) => `<article><front><journal-meta><pub-date pub-type="epub"><year>1999</year></pub-date></journal-meta><article-meta>${dates}</article-meta></front><body/></article>`;

describe('publicationDate', () => {
  it('prefers the electronic date and pads month and day', () => {
    expect(publicationDate(meta('<pub-date pub-type="ppub"><month>3</month><year>2016</year></pub-date><pub-date pub-type="epub"><day>3</day><month>1</month><year>2016</year></pub-date>'))).toBe('2016-01-03');
    expect(publicationDate(meta('<pub-date date-type="pub" publication-format="electronic"><day>9</day><month>12</month><year>2021</year></pub-date><pub-date date-type="collection"><year>2022</year></pub-date>'))).toBe('2021-12-09');
  });
  it('falls back to print, then collection; keeps only the precision given', () => {
    expect(publicationDate(meta('<pub-date pub-type="collection"><year>2020</year></pub-date><pub-date pub-type="ppub"><month>7</month><year>2019</year></pub-date>'))).toBe('2019-07');
    expect(publicationDate(meta('<pub-date pub-type="collection"><year>2020</year></pub-date>'))).toBe('2020');
    expect(publicationDate(meta('<pub-date pub-type="epub"><month>13</month><year>2020</year></pub-date>'))).toBe('2020');
  });
  it('reads article-meta only, and says null when there is no usable date', () => {
    expect(publicationDate(meta(''))).toBeNull();
    expect(publicationDate(meta('<pub-date pub-type="epub"><year>20xx</year></pub-date>'))).toBeNull();
  });
});
