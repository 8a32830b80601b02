/** Decoding's optional clean-up, shared by the tokenizer models. */

/** HF's `clean_up_tokenization`: no space before . ? ! , and inside English contractions. */
export function cleanUpTokenizationSpaces(s: string): string {
  return s
    .replaceAll(' .', '.')
    .replaceAll(' ?', '?')
    .replaceAll(' !', '!')
    .replaceAll(' ,', ',')
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}
