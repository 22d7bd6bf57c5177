/**
 * Host keys are checked against a known_hosts file (OpenSSH's format: `host[,host…] type key`,
 * `[host]:port` for another port than 22, hashed `|1|salt|hash` names, `@revoked` lines), so a server
 * that is not the one the operator added is refused before a key or a file is sent to it.
 */
import { createHmac } from 'node:crypto';

/** How the host is named in known_hosts: `host`, or `[host]:port` when the port is not 22. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** The public key blobs known_hosts holds for the host (revoked keys are never accepted). */
export function knownKeysFor(knownHosts: string, host: string, port: number): { keys: Buffer[]; revoked: Buffer[] } {
  const name = knownHostName(host, port);
  const keys: Buffer[] = [];
  const revoked: Buffer[] = [];
  for (const raw of knownHosts.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    const marker = fields[0]?.startsWith('@') ? fields.shift() : undefined;
    const [names, , key] = fields;
    if (!names || !key || marker === '@cert-authority') continue;
    if (!names.split(',').some((entry) => matches(entry, name))) continue;
    (marker === '@revoked' ? revoked : keys).push(Buffer.from(key, 'base64'));
  }
  return { keys, revoked };
}

function matches(entry: string, name: string): boolean {
  if (entry.startsWith('|1|')) {
    const [, , salt, hash] = entry.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  return entry === name;
}
