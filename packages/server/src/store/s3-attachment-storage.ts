import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from 'pino';
import { CoreError } from '../core/errors.js';
import type { AttachmentStorage } from '../core/ports/attachment-storage.js';

/** Where the bucket is and who we are to it (ATTACHMENT_STORAGE=s3, the S3_* options). */
export interface S3Settings {
  /** An S3-compatible service's URL (MinIO, Ceph, R2, ...); AWS itself when undefined. */
  endpoint: string | undefined;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `endpoint/bucket/key` rather than `bucket.endpoint/key` (most self-hosted services). */
  forcePathStyle: boolean;
  /** Put before every object key, e.g. `carechat/attachments/`; empty by default. */
  prefix: string;
}

/**
 * S3's smallest part but the last: an upload holds at most one of these in memory, and a file no
 * larger is sent in one PutObject.
 */
export const S3_PART_BYTES = 5 * 1024 * 1024;

/** Attachment ids (newId('att')); nothing else becomes a key, so no path tricks reach the bucket. */
const KEY = /^[A-Za-z0-9_-]{1,100}$/;

/**
 * A node that cannot reach S3 must answer in time (503), not hold the request until the client
 * gives up: a connection not made in 3 s, or a socket silent for 30 s, fails the attempt, and a
 * request gets two attempts (the SDK's retry covers a dropped connection or S3's own 503).
 */
const CONNECT_TIMEOUT_MS = 3000;
const REQUEST_TIMEOUT_MS = 30_000;
const MAX_ATTEMPTS = 2;

type Sdk = typeof import('@aws-sdk/client-s3');

/**
 * Attachment bytes as objects in an S3-compatible bucket, so that every node serves what any
 * node stored, without the database holding them (docs/decisions/1703-attachments-on-s3.md).
 *
 * The guarantees are the database storage's: an upload streams (one part in memory at a time),
 * a broken-off or oversize upload leaves no object, a key is written once, a missing object reads
 * as ENOENT (the core answers not_found) and an S3 that fails or cannot be reached is `unavailable`
 * (503, retry shortly). Nothing here logs a key's bytes or a file's name: objects are named by
 * attachment id only.
 */
export class S3AttachmentStorage implements AttachmentStorage {
  /** The SDK is loaded on first use: nodes storing elsewhere never pay for it. */
  #client: Promise<{ sdk: Sdk; client: S3Client }> | undefined;

  constructor(
    private readonly settings: S3Settings,
    private readonly logger?: Logger,
  ) {}

  async put(key: string, bytes: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
    const objectKey = this.objectKey(key);
    if (await this.exists(objectKey)) throw new Error('attachment key taken');
    const target = { Bucket: this.settings.bucket, Key: objectKey };
    let uploadId: string | undefined;
    const parts: { PartNumber: number; ETag: string }[] = [];
    const sendPart = async (body: Uint8Array) => {
      uploadId ??= (await this.call('put', (c, sdk) => c.send(new sdk.CreateMultipartUploadCommand(target))))
        .UploadId;
      const PartNumber = parts.length + 1;
      const { ETag } = await this.call('put', (c, sdk) =>
        c.send(new sdk.UploadPartCommand({ ...target, UploadId: uploadId, PartNumber, Body: body })),
      );
      parts.push({ PartNumber, ETag: ETag ?? '' });
    };
    try {
      let pending: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of bytes instanceof Uint8Array ? [bytes] : bytes) {
        pending.push(chunk);
        size += chunk.length;
        // More than a part: the file goes up in parts, each sent before more of it is read.
        while (size > S3_PART_BYTES) {
          const joined = Buffer.concat(pending, size);
          await sendPart(joined.subarray(0, S3_PART_BYTES));
          pending = [joined.subarray(S3_PART_BYTES)];
          size -= S3_PART_BYTES;
        }
      }
      const rest = Buffer.concat(pending, size);
      if (uploadId === undefined) {
        await this.call('put', (c, sdk) =>
          c.send(new sdk.PutObjectCommand({ ...target, Body: rest, ContentLength: size })),
        );
        return;
      }
      await sendPart(rest);
      await this.call('put', (c, sdk) =>
        c.send(
          new sdk.CompleteMultipartUploadCommand({
            ...target,
            UploadId: uploadId,
            MultipartUpload: { Parts: parts },
          }),
        ),
      );
    } catch (error) {
      // Broken off, over the cap, or S3 failed: the parts sent so far are dropped, and the cause
      // (message_too_large, unavailable, ...) is what the caller sees, whatever the abort does.
      if (uploadId !== undefined) {
        const UploadId = uploadId;
        await this.call('put', (c, sdk) =>
          c.send(new sdk.AbortMultipartUploadCommand({ ...target, UploadId })),
        ).catch(() => {});
      }
      throw error;
    }
  }

  async read(key: string): Promise<Uint8Array> {
    const Key = this.objectKey(key);
    try {
      // The body is read inside the call: a connection cut while it streams is `unavailable` too.
      return await this.call('read', async (c, sdk) => {
        const object = await c.send(new sdk.GetObjectCommand({ Bucket: this.settings.bucket, Key }));
        if (!object.Body) throw new Error('S3 answered without a body');
        return object.Body.transformToByteArray();
      });
    } catch (error) {
      if (error instanceof MissingObject) {
        throw Object.assign(new Error('no such attachment'), { code: 'ENOENT' });
      }
      throw error;
    }
  }

  async remove(key: string): Promise<void> {
    const Key = this.objectKey(key);
    // S3 deletes are idempotent: a missing key answers 204 like a present one.
    await this.call('remove', (c, sdk) =>
      c.send(new sdk.DeleteObjectCommand({ Bucket: this.settings.bucket, Key })),
    );
  }

  /** Ends the client's sockets (tests, shutdown). */
  async close(): Promise<void> {
    const connection = await this.#client;
    connection?.client.destroy();
  }

  private async exists(Key: string): Promise<boolean> {
    try {
      await this.call('head', (c, sdk) =>
        c.send(new sdk.HeadObjectCommand({ Bucket: this.settings.bucket, Key })),
      );
      return true;
    } catch (error) {
      if (error instanceof MissingObject) return false;
      throw error;
    }
  }

  private objectKey(key: string): string {
    if (!KEY.test(key)) throw new Error('invalid attachment key');
    return `${this.settings.prefix}${key}`;
  }

  private connection(): Promise<{ sdk: Sdk; client: S3Client }> {
    this.#client ??= import('@aws-sdk/client-s3').then((sdk) => ({
      sdk,
      client: new sdk.S3Client({
        ...(this.settings.endpoint === undefined ? {} : { endpoint: this.settings.endpoint }),
        region: this.settings.region,
        forcePathStyle: this.settings.forcePathStyle,
        // These credentials and no others: not the machine's AWS profile or environment.
        credentials: {
          accessKeyId: this.settings.accessKeyId,
          secretAccessKey: this.settings.secretAccessKey,
        },
        // Checksums only where S3 requires them: the SDK's default (CRC32 trailers in
        // aws-chunked bodies) is refused by many S3-compatible services.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS },
        maxAttempts: MAX_ATTEMPTS,
      }),
    }));
    return this.#client;
  }

  /**
   * Runs S3 requests; an absent object becomes MissingObject, any other failure `unavailable`,
   * logged by kind (the SDK's error name and S3's status, never a key's bytes or a file's name).
   */
  private async call<T>(
    operation: 'head' | 'put' | 'read' | 'remove',
    run: (client: S3Client, sdk: Sdk) => Promise<T>,
  ): Promise<T> {
    const { sdk, client } = await this.connection();
    try {
      return await run(client, sdk);
    } catch (error) {
      const failure = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
      const status = failure.$metadata?.httpStatusCode;
      // S3 names a missing key (NoSuchKey); a HEAD has no body to name it, only its 404. A bare 404
      // to a GET is something else answering (a wrong endpoint or proxy): an outage, not a deletion.
      if (failure.name === 'NoSuchKey' || (operation === 'head' && status === 404)) {
        throw new MissingObject();
      }
      this.logger?.warn(
        { s3: { operation, error: failure.name, code: failure.code, status } },
        'attachment storage (S3) failed',
      );
      throw Object.assign(
        new CoreError('unavailable', 'The attachment storage is not reachable; retry shortly.', {
          retryAfter: 1,
        }),
        { cause: error },
      );
    }
  }
}

/** S3 said the object is not there (GetObject's NoSuchKey, HeadObject's 404). */
class MissingObject extends Error {
  override name = 'MissingObject';
}
