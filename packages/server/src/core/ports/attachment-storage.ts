/** Where attachment bytes live: a folder by default; object storage when several nodes share files. */
export interface AttachmentStorage {
  put(key: string, bytes: Uint8Array): Promise<void>;
  read(key: string): Promise<Uint8Array>;
  /** Removes the bytes (retention purges); a missing key is not an error. */
  remove?(key: string): Promise<void>;
}
