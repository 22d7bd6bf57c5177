/**
 * One pino logger, created where the app is wired and injected; a child per job (importId, jobId,
 * attempt). Secrets are redacted by configuration, so a mistaken `log.info({ token })` still prints
 * nothing secret. Workers log to stdout; CLI commands log to stderr so stdout stays for results.
 */
import { pino, type Logger, type DestinationStream } from 'pino';
import type { LogLevel } from './config/config.js';

/** Keys whose values are secrets wherever they appear (two levels deep covers our log objects). */
export const REDACTED_KEYS = [
  'accessToken', 'access_token', 'refreshToken', 'refresh_token', 'clientSecret', 'client_secret',
  'authorization', 'Authorization', 'password', 'token', 'redisUrl', 'secretAccessKey', 'sessionToken', 'privateKey', 'passphrase', 'keyPassphrase', 'credentials',
] as const;

const redactPaths = REDACTED_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

export function createLogger(options: { level: LogLevel; fd?: 1 | 2; stream?: DestinationStream; name?: string }): Logger {
  const destination = options.stream ?? pino.destination({ fd: options.fd ?? 1, sync: false });
  return pino(
    {
      level: options.level,
      name: options.name ?? 'relsync',
      redact: { paths: redactPaths, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
}
