/**
 * An S3-compatible server for the tests: s3rver (from npm) on a free loopback port, its objects in a
 * temporary folder, speaking S3's REST API over real HTTP to the real AWS SDK. It accepts any
 * credentials; the tests pass the ones it documents (S3RVER / S3RVER) through the AWS variables.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

export interface TestS3 {
  endpoint: string;
  bucket: string;
  /** AWS_ENDPOINT_URL_S3, RELSYNC_S3_FORCE_PATH_STYLE, the keys and the region. */
  env: Record<string, string>;
  put(key: string, body: string | Buffer): Promise<void>;
  client: S3Client;
  close(): Promise<void>;
}

export async function startS3(bucket = 'relsync-test'): Promise<TestS3> {
  const dir = await mkdtemp(join(tmpdir(), 'relsync-s3-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    endpoint, bucket, client,
    env: { AWS_ENDPOINT_URL_S3: endpoint, RELSYNC_S3_FORCE_PATH_STYLE: '1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' },
    async put(key, body) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    async close() {
      client.destroy();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
