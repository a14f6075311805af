// No schema library here: the SDK's browser bundle imports this file (see decision 1602).

/**
 * True for text every store keeps as it was sent: no NUL (PostgreSQL refuses it in text) and no
 * unpaired UTF-16 surrogate (SQLite and PostgreSQL would store U+FFFD, so a retry would no longer
 * match). A loop rather than a regular expression with lookbehind, which older browsers lack.
 */
export function isStorableText(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 0) return false;
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      return false;
    }
  }
  return true;
}
