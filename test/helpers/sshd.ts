/**
 * A real OpenSSH server for the SFTP tests: Debian's sshd (found or installed by the global setup),
 * run as the current user with its own config on a free loopback port, a throwaway host key and a
 * throwaway user key, serving SFTP (internal-sftp) over the real file system. Each test gets its own
 * folder (`root`) to put files in; no chroot, no system sshd touched. `kill()` kills it for real
 * (SIGKILL, its session processes too), `stop()` ends it.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { freePort } from './redis-server.js';

const run = promisify(execFile);

export interface TestSshd {
  port: number;
  user: string;
  /** A folder on this machine the server serves: write files here, name them with `url()`. */
  root: string;
  /** The environment that lets relsync in: RELSYNC_SFTP_KEY_FILE and RELSYNC_SFTP_KNOWN_HOSTS. */
  env: Record<string, string>;
  /** `sftp://user@127.0.0.1:port<root>/<name>` */
  url(name: string): string;
  /** Adds the host key for another port (a proxy in front of the server) to the known_hosts file. */
  trustPort(port: number): Promise<void>;
  /** `url()` through another port (a proxy). */
  urlVia(port: number, name: string): string;
  /** A second user key the server does not know (for the wrong-key test). */
  strangerKeyFile: string;
  kill(): Promise<void>;
  close(): Promise<void>;
}

/** The path of sshd, or throws the global setup's line saying what to install. */
export function sshdPath(): string {
  const found = inject('sshd');
  if (found.path === null) throw new Error(found.missing);
  return found.path;
}

export async function startSshd(): Promise<TestSshd> {
  const dir = await mkdtemp(join(tmpdir(), 'relsync-sshd-'));
  const root = join(dir, 'files');
  await mkdir(root);
  const keygen = (file: string): Promise<unknown> => run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
  await Promise.all([keygen(join(dir, 'host_key')), keygen(join(dir, 'user_key')), keygen(join(dir, 'stranger_key'))]);
  await writeFile(join(dir, 'authorized_keys'), await readFile(join(dir, 'user_key.pub')), { mode: 0o600 });
  const port = await freePort();
  const hostPub = (await readFile(join(dir, 'host_key.pub'), 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');
  await writeFile(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${hostPub}\n`);
  await writeFile(join(dir, 'sshd_config'), [
    `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(dir, 'host_key')}`, `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`, 'StrictModes no', 'UsePAM no', 'PasswordAuthentication no',
    'KbdInteractiveAuthentication no', 'PermitRootLogin prohibit-password', 'Subsystem sftp internal-sftp', 'LogLevel ERROR',
  ].join('\n') + '\n');
  // As root, sshd wants its privilege-separation folder; as another user it runs without one.
  if (process.getuid?.() === 0) await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const child: ChildProcess = spawn(sshdPath(), ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitForPort(port, () => child.exitCode !== null ? `sshd exited: ${stderr}` : undefined);
  const user = userInfo().username;
  // Kill the whole process group: sshd and the session processes that serve open connections.
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
      await exited;
    }
  };
  return {
    port, user, root,
    env: { RELSYNC_SFTP_KEY_FILE: join(dir, 'user_key'), RELSYNC_SFTP_KNOWN_HOSTS: join(dir, 'known_hosts') },
    url: (name) => `sftp://${user}@127.0.0.1:${port}${root}/${name}`,
    strangerKeyFile: join(dir, 'stranger_key'),
    trustPort: (other) => appendFile(join(dir, 'known_hosts'), `[127.0.0.1]:${other} ${hostPub}\n`),
    urlVia: (other, name) => `sftp://${user}@127.0.0.1:${other}${root}/${name}`,
    kill,
    async close() {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, failed: () => string | undefined): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    const problem = failed();
    if (problem) throw new Error(problem);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`sshd did not listen on ${port}`);
}
