import { describeIssues } from '@carechat/protocol';
import type { z } from 'zod';
import { CoreError } from '../../core/errors.js';

/** Untrusted input becomes typed input here, or an invalid_request naming the bad fields. */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new CoreError('invalid_request', describeIssues(result.error));
  return result.data;
}
