/**
 * The sizes of the alphabet split after blanks and duplicates are dropped, for text that must not
 * load the fonts (the page's captions). A unit test checks them against the data set itself.
 */
export const SPLIT_SUMMARY = {
  train: { alphabets: 14, characters: 666 },
  test: { alphabets: 7, characters: 358 },
} as const;
