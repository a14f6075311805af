/** Where attachment bytes live: a folder by default; object storage when several nodes share files. */
export interface AttachmentStorage {
  /**
   * Stores the bytes under `key`, written as they come (an upload is never held in memory whole).
   * If the chunks throw, the write is abandoned and nothing stays under `key`.
   */
  put(key: string, bytes: Uint8Array | AsyncIterable<Uint8Array>): Promise<void>;
  read(key: string): Promise<Uint8Array>;
  /** Removes the bytes (retention purges); a missing key is not an error. */
  remove?(key: string): Promise<void>;
}
