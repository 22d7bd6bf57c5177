/**
 * An S3 bucket (or an S3-compatible store: AWS_ENDPOINT_URL_S3, RELSYNC_S3_FORCE_PATH_STYLE) as a
 * store, over the AWS SDK v3. Uploads stream in parts (lib-storage's Upload), so no file is held whole;
 * a move is a copy then a delete — S3 has no rename — and callers that need one winner (the watched
 * folder's claims) take a Redis lease around it.
 */
import type { Readable } from 'node:stream';
import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { RemoteSettings } from '../config/config.js';
import { ErrorCodes, UserError } from '../errors.js';
import { formatLocation, type Location } from './location.js';
import { unreachable, type FileInfo, type Store } from './store.js';

type S3 = Extract<Location, { kind: 's3' }>;

export function s3Store(settings: RemoteSettings): Store<S3> {
  let client: S3Client | undefined;
  const s3 = (): S3Client => (client ??= new S3Client({
    region: settings.s3.region ?? 'us-east-1',
    endpoint: settings.s3.endpoint,
    forcePathStyle: settings.s3.forcePathStyle,
    // A copy: the config is frozen, and the SDK marks the credentials object it is given.
    credentials: settings.s3.credentials ? { ...settings.s3.credentials } : undefined,
    // Our own tries start the whole file again (withRemoteRetries); the SDK's retry one request.
    maxAttempts: 2,
    requestHandler: { connectionTimeout: settings.timeoutMs, requestTimeout: settings.timeoutMs },
  }));

  const call = async <T>(location: S3, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw translate(location, error);
    }
  };

  return {
    async stat(location) {
      try {
        const head = await call(location, () => s3().send(new HeadObjectCommand({ Bucket: location.bucket, Key: location.key })));
        return { location, name: location.key.split('/').pop() ?? '', size: head.ContentLength ?? 0, mtimeMs: head.LastModified?.getTime() ?? 0, etag: head.ETag };
      } catch (error) {
        if ((error as UserError).code === ErrorCodes.FILE_NOT_FOUND) return undefined;
        throw error;
      }
    },
    async read(location) {
      const answer = await call(location, () => s3().send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key })));
      const body = answer.Body as Readable | undefined;
      if (!body) throw unreachable(location, 'no body in the answer');
      // A connection that breaks mid-object is the stream's error; the copier names the URL.
      return body;
    },
    async write(location, body) {
      await call(location, () => new Upload({ client: s3(), params: { Bucket: location.bucket, Key: location.key, Body: body } }).done());
    },
    async list(folder) {
      const prefix = folder.key === '' || folder.key.endsWith('/') ? folder.key : `${folder.key}/`;
      const files: FileInfo[] = [];
      let token: string | undefined;
      do {
        const page = await call(folder, () => s3().send(new ListObjectsV2Command({ Bucket: folder.bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token })));
        for (const item of page.Contents ?? []) {
          if (!item.Key || item.Key.endsWith('/')) continue;
          files.push({ location: { ...folder, key: item.Key }, name: item.Key.slice(prefix.length), size: item.Size ?? 0, mtimeMs: item.LastModified?.getTime() ?? 0, etag: item.ETag });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return files;
    },
    async move(from, to) {
      try {
        await call(from, () => s3().send(new CopyObjectCommand({ Bucket: to.bucket, Key: to.key, CopySource: `${from.bucket}/${encodeURIComponent(from.key).replace(/%2F/g, '/')}` })));
      } catch (error) {
        if ((error as UserError).code === ErrorCodes.FILE_NOT_FOUND) return false;
        throw error;
      }
      await this.remove(from);
      return true;
    },
    async remove(location) {
      await call(location, () => s3().send(new DeleteObjectCommand({ Bucket: location.bucket, Key: location.key })));
    },
    async close() {
      client?.destroy();
      client = undefined;
    },
  };
}

function translate(location: S3, error: unknown): Error {
  const where = formatLocation(location);
  if (error instanceof S3ServiceException) {
    const status = error.$metadata.httpStatusCode;
    if (error.name === 'NoSuchBucket') return new UserError(ErrorCodes.FILE_NOT_FOUND, `${where}: no bucket '${location.bucket}'`, { cause: error });
    if (status === 404 || error.name === 'NoSuchKey' || error.name === 'NotFound') return new UserError(ErrorCodes.FILE_NOT_FOUND, `${where}: no such object`, { cause: error });
    if (status === 401 || status === 403) {
      return new UserError(ErrorCodes.SOURCE_REFUSED, `${where}: access denied (${error.name}): check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the bucket's policy`, { cause: error });
    }
    if (status !== undefined && status < 500) return new UserError(ErrorCodes.SOURCE_REFUSED, `${where}: the store answered ${status} (${error.name})`, { cause: error });
    return unreachable(location, `${status ?? ''} ${error.name}`.trim(), error);
  }
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).name;
  if (code === 'CredentialsProviderError') {
    return new UserError(ErrorCodes.CONFIG_INVALID, `AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: expected credentials for ${where}, got none`, { cause: error });
  }
  return unreachable(location, code ?? 'network error', error);
}
