import { z } from 'zod';
import { isStorableText } from './storable-text.js';

export { isStorableText } from './storable-text.js';

/** Every string on the wire: refused at the edge (invalid_request) unless it is storable text. */
export function text() {
  return z.string().refine(isStorableText, 'must not contain NUL or unpaired surrogate characters');
}
