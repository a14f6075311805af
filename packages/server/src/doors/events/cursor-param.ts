import { decodeEventCursor, type EventCursor } from '@carechat/protocol';
import { CoreError } from '../../core/errors.js';

/** The cursor a request resumes from: absent means "from now"; unreadable is a client error. */
export function readCursor(text: string | undefined): EventCursor | undefined {
  if (text === undefined || text === '') return undefined;
  const cursor = decodeEventCursor(text);
  if (!cursor) throw new CoreError('invalid_request', 'The cursor is not one this server issued.');
  return cursor;
}
