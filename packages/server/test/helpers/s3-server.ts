import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import type { S3Settings } from '../../src/store/s3-attachment-storage.js';

/** s3rver's one account; it checks every request's signature against it. */
const ACCESS_KEY_ID = 'S3RVER';
const SECRET_ACCESS_KEY = 'S3RVER';

export interface S3Server {
  readonly endpoint: string;
  readonly bucket: string;
  /** The storage settings for this server, under a key prefix of the caller's (a run of its own). */
  settings(prefix?: string): S3Settings;
  /** The same, as the environment a server process reads (ATTACHMENT_STORAGE=s3, S3_*). */
  env(prefix?: string): Record<string, string>;
  /** The keys in the bucket under `prefix` (what a test expects to be there, or not). */
  keys(prefix?: string): Promise<string[]>;
  deleteObject(key: string): Promise<void>;
  /** Stops listening (S3 unreachable); the objects stay for `start`. */
  stop(): Promise<void>;
  /** Listens again on the same port, with the objects it had. */
  start(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * A real S3-compatible server (s3rver, a devDependency) on a free port of 127.0.0.1, with its
 * objects in a temporary folder and one bucket. It speaks S3 over HTTP and checks SigV4
 * signatures; it does not implement AbortMultipartUpload or ListMultipartUploads.
 */
export async function startS3Server(): Promise<S3Server> {
  const directory = mkdtempSync(join(tmpdir(), 'carechat-s3-'));
  const bucket = `carechat-${randomBytes(4).toString('hex')}`;
  let port = 0;
  let server: S3rver | undefined;
  const start = async () => {
    const next = new S3rver({
      address: '127.0.0.1',
      port,
      directory,
      silent: true,
      configureBuckets: [{ name: bucket, configs: [] }],
    });
    port = (await next.run()).port;
    server = next;
  };
  await start();
  const endpoint = `http://127.0.0.1:${port}`;
  const settings = (prefix = ''): S3Settings => ({
    endpoint,
    region: 'us-east-1',
    bucket,
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: SECRET_ACCESS_KEY,
    forcePathStyle: true,
    prefix,
  });
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
  });
  return {
    endpoint,
    bucket,
    settings,
    env: (prefix = '') => ({
      ATTACHMENT_STORAGE: 's3',
      S3_ENDPOINT: endpoint,
      S3_REGION: 'us-east-1',
      S3_BUCKET: bucket,
      S3_ACCESS_KEY_ID: ACCESS_KEY_ID,
      S3_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
      S3_FORCE_PATH_STYLE: 'true',
      ...(prefix ? { S3_PREFIX: prefix } : {}),
    }),
    async keys(prefix = '') {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
      return (listed.Contents ?? []).map((object) => object.Key ?? '');
    },
    async deleteObject(key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    async stop() {
      await server?.close();
      server = undefined;
    },
    start,
    async dispose() {
      client.destroy();
      await server?.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
