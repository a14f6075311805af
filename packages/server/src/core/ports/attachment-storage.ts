/** Where attachment bytes live: the database by default, a folder, or an S3-compatible bucket. */
export interface AttachmentStorage {
  /**
   * Stores the bytes under `key`, written as they come (an upload is never held in memory whole).
   * If the chunks throw, the write is abandoned and nothing stays under `key`.
   */
  put(key: string, bytes: Uint8Array | AsyncIterable<Uint8Array>): Promise<void>;
  /**
   * The bytes stored under `key`. A key with nothing under it rejects with an error whose `code`
   * is 'ENOENT' (the download answers not_found); a storage that cannot answer now rejects with
   * CoreError `unavailable`.
   */
  read(key: string): Promise<Uint8Array>;
  /** Removes the bytes (retention purges); a missing key is not an error. */
  remove?(key: string): Promise<void>;
}
