/**
 * The README's two commands on a machine that has Node and nothing else: no redis-server, no
 * Chromium, no sshd. The test makes that machine for real: a copy-on-write view of this one (an
 * overlay whose lower layer is `/`, in a private mount namespace so nothing outlives the test), in
 * which Debian's packages for those programs are purged; a clean clone of this repository's HEAD;
 * then, in a chroot, exactly the README's commands. The host is left untouched: every write lands in a
 * tmpfs that goes away with the namespace.
 *
 * It runs the whole suite a second time, so it is not part of `npm test`: `.ci/run` runs it after the
 * suite (`npm run test:clean-machine`). It needs root (mounts, chroot, apt-get) and Debian's apt.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../..');
/** The README's two commands, read from it so that the test runs what it says. */
async function readmeCommands(): Promise<[string, string]> {
  const readme = await readFile(join(REPO, 'README.md'), 'utf8');
  const block = /## Two commands[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  const lines = (block ?? '').split('\n').map((line) => line.replace(/\s+#.*$/, '').trim()).filter(Boolean);
  if (lines.length !== 2) throw new Error(`README.md: expected two commands under "## Two commands", got ${lines.length}`);
  return [lines[0]!, lines[1]!];
}

/** Programs the README promises to provide; their Debian packages are purged from the clean machine. */
const PURGED_PACKAGES = ['redis-server', 'redis-tools', 'chromium', 'chromium-common', 'openssh-server'];
const PROGRAMS = ['redis-server', 'chromium', 'sshd'];

function machineScript(first: string, second: string): string {
  const which = (names: string[]): string => names.map((name) => `echo "${name}=$(command -v ${name} || echo none)"`).join('; ');
  return `set -u
T="$(mktemp -d)"; mount -t tmpfs -o size=6g tmpfs "$T"; mkdir "$T/upper" "$T/work" "$T/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$T/upper,workdir=$T/work" "$T/root"
R="$T/root"
mount -t proc proc "$R/proc"; mount --rbind /dev "$R/dev"; mount -t tmpfs tmpfs "$R/dev/shm"; mount -t tmpfs -o size=4g tmpfs "$R/tmp"
mount -t sysfs sysfs "$R/sys" || true
inside() { chroot "$R" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 CI=true /bin/bash -c "$1"; }
inside 'DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq ${PURGED_PACKAGES.join(' ')} >/dev/null 2>&1; true'
echo "== before"; inside '${which(PROGRAMS)}'
git clone -q "${REPO}" "$R/tmp/relsync" || exit 97
echo "== first"; inside 'cd /tmp/relsync && ${first}' > "${'$'}{OUT}/first.log" 2>&1; echo "first=$?"
echo "== between"; inside '${which(PROGRAMS)}'
echo "== second"; inside 'cd /tmp/relsync && ${second}' > "${'$'}{OUT}/second.log" 2>&1; echo "second=$?"
echo "== after"; inside '${which(PROGRAMS)}'
`;
}

function run(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((done, fail) => {
    // A private mount namespace: every mount above disappears with this process, whatever happens.
    const child = spawn('unshare', ['--mount', '--propagation', 'private', 'bash', '-c', script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, out }));
  });
}

function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

function section(out: string, name: string): Record<string, string> {
  const text = out.split(`== ${name}\n`)[1]?.split('\n== ')[0] ?? '';
  return Object.fromEntries(text.split('\n').filter((line) => /^[\w-]+=/.test(line)).map((line) => line.split('=', 2) as [string, string]));
}

describe("the README's two commands on a machine with Node and nothing else", () => {
  let out: string | undefined;
  afterAll(async () => {
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('set up and run the demo, then pass the whole suite, installing redis-server, Chromium and sshd themselves', async () => {
    if (process.getuid?.() !== 0) throw new Error('test:clean-machine needs root (it mounts an overlay and uses chroot and apt-get)');
    const [first, second] = await readmeCommands();
    out = await mkdtemp(join(tmpdir(), 'relsync-clean-machine-'));
    const result = await run(machineScript(first, second), { ...process.env, OUT: out });
    const log = async (name: string): Promise<string> => readFile(join(out!, name), 'utf8').catch(() => '');
    const context = `${result.out}\n--- first.log (tail)\n${(await log('first.log')).slice(-3000)}\n--- second.log (tail)\n${(await log('second.log')).slice(-6000)}`;

    // The machine really lacked them.
    expect(section(result.out, 'before'), context).toEqual({ 'redis-server': 'none', chromium: 'none', sshd: 'none' });
    // The first command set up, installed redis-server itself and ran the demo to its end.
    expect(/^first=(\d+)$/m.exec(result.out)?.[1], context).toBe('0');
    expect(await log('first.log'), context).toMatch(/associations now in the simulator: 2001/);
    expect(section(result.out, 'between')['redis-server'], context).not.toBe('none');
    // The second passed, having installed what its tests need.
    expect(/^second=(\d+)$/m.exec(result.out)?.[1], context).toBe('0');
    // vitest's closing lines, e.g. "Tests  656 passed (656)": no test failed, and the suite really ran.
    const tests = /^\s*Tests\s+(.*)$/m.exec(stripAnsi(await log('second.log')))?.[1] ?? '';
    expect(tests, context).not.toMatch(/failed/);
    expect(Number(/(\d+) passed/.exec(tests)?.[1] ?? 0), context).toBeGreaterThan(500);
    const after = section(result.out, 'after');
    expect(after['chromium'], context).not.toBe('none');
  });
});
