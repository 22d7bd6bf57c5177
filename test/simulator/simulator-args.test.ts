import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SIMULATOR_OPTIONS, parseSimulatorArgs, SIMULATOR_FLAGS, simulatorHelp, startSimulator } from '../../src/simulator/index.js';
import { startRelsync } from '../helpers/relsync-process.js';
import { closeSimulators, startTestSimulator } from '../helpers/simulator.js';

afterEach(closeSimulators);

describe('parseSimulatorArgs', () => {
  it('reads every documented flag into options', () => {
    const argv = [
      '--port', '8080', '--latency-ms', '150', '--concurrency', '10', '--credits', '5000', '--token-ttl-s', '3600',
      '--refresh-token', 'X', '--mixed-status', '200', '--all-failed-status', '200', '--fail-rate', '0.1',
      '--lost-response-rate', '0.05', '--reset-rate', '0.01', '--dataset', 'file.json', '--seed', '42', '--host', '0.0.0.0',
    ];
    expect(parseSimulatorArgs(argv)).toEqual({
      port: 8080, latencyMs: 150, concurrency: 10, credits: 5000, tokenTtlS: 3600, refreshToken: 'X', mixedStatus: 200,
      allFailedStatus: 200, failRate: 0.1, lostResponseRate: 0.05, resetRate: 0.01, datasetFile: 'file.json', seed: 42, host: '0.0.0.0',
    });
  });

  it('reads the flags of the read, delink and entry-field unknowns, and the size of the other modules', () => {
    const argv = ['--delink-not-linked', 'relation removed', '--role-in-list=string', '--per-page-over-max', 'cap', '--numeric-strings', 'accept', '--records-per-module', '50'];
    expect(parseSimulatorArgs(argv)).toEqual({ delinkNotLinked: 'relation removed', roleInList: 'string', perPageOverMax: 'cap', numericStrings: 'accept', recordsPerModule: 50 });
    expect(() => parseSimulatorArgs(['--delink-not-linked', 'ignore'])).toThrow("--delink-not-linked: expected one of relation not found, relation removed, got 'ignore'");
  });

  it('takes --flag=value, lists, and lets a later flag win', () => {
    expect(parseSimulatorArgs(['--port=1', '--port=2', '--scopes=ZohoCRM.modules.ALL, ZohoCRM.settings.ALL', '--repeat-message', 'relation added'])).toEqual({
      port: 2,
      scopes: ['ZohoCRM.modules.ALL', 'ZohoCRM.settings.ALL'],
      repeatMessage: 'relation added',
    });
    expect(parseSimulatorArgs([])).toEqual({});
  });

  it('refuses bad input with one line "--flag: expected X, got Y"', () => {
    const cases: [string[], string][] = [
      [['--port', 'eighty'], "--port: expected an integer 0-65535, got 'eighty'"],
      [['--port', '70000'], '--port: expected an integer 0-65535, got 70000'],
      [['--latency-ms', '-5'], '--latency-ms: expected a number of ms >= 0, got -5'],
      [['--mixed-status', '201'], '--mixed-status: expected one of 207, 200, got 201'],
      [['--fail-rate', '1.5'], '--fail-rate: expected a probability 0-1, got 1.5'],
      [['--concurrency'], '--concurrency: expected a value, got nothing'],
      [['--seed', '--port', '1'], '--seed: expected a value, got nothing'],
      [['--port='], "--port: expected an integer 0-65535, got ''"],
      [['8080'], '8080: expected a flag such as --port, got a positional argument'],
    ];
    for (const [argv, message] of cases) expect(() => parseSimulatorArgs(argv), argv.join(' ')).toThrow(message);
    expect(() => parseSimulatorArgs(['--bogus', '1'])).toThrow(/^--bogus: expected one of --host --port .*, got an unknown flag$/);
  });
});

describe('startSimulator options', () => {
  it('defaults to a Standard-edition org on 127.0.0.1 and a free port', async () => {
    const sim = await startSimulator();
    try {
      expect(sim.url).toBe(`http://127.0.0.1:${sim.port}`);
      expect(sim.port).toBeGreaterThan(0);
      expect(sim.options).toMatchObject({ concurrency: 10, credits: 50_000, latencyMs: 150, jitterMs: 50, tokenTtlS: 3600, mintLimit: 10 });
      expect(sim.dataset.contacts).toHaveLength(DEFAULT_SIMULATOR_OPTIONS.contacts + 7);
    } finally {
      await sim.close();
    }
  });

  it('refuses bad options, naming the option', async () => {
    await expect(startSimulator({ latencyMs: -1 })).rejects.toThrow('latencyMs: expected a number of ms >= 0, got -1');
    await expect(startSimulator({ failRate: 0.6, resetRate: 0.6 })).rejects.toThrow(
      'failRate + lostResponseRate + resetRate: expected a total of at most 1, got 1.2',
    );
    const sim = await startTestSimulator();
    expect(() => sim.setOptions({ seed: 3 })).toThrow('seed: expected an option that can change while running, got one fixed at start');
    expect(() => sim.setOptions({ concurrency: 0 })).toThrow('concurrency: expected an integer 1-10000, got 0');
    expect(sim.options.concurrency).toBe(10);
  });

  it('close() is idempotent and stops listening', async () => {
    const sim = await startSimulator({ latencyMs: 0 });
    await Promise.all([sim.close(), sim.close()]);
    await expect(fetch(`${sim.url}/__sim/counters`)).rejects.toThrow();
  });
});

describe('relsync simulator --help', () => {
  const kebab = (name: string): string => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

  it('lists every option the simulator has, each with its flag, value and default, from the one table', () => {
    const help = simulatorHelp({ port: 8080 });
    const options = Object.keys(DEFAULT_SIMULATOR_OPTIONS).filter((name) => name !== 'now'); // a clock: for tests, not a flag
    expect(SIMULATOR_FLAGS).toHaveLength(options.length);
    for (const flag of SIMULATOR_FLAGS) expect(help, flag).toMatch(new RegExp(`^  ${flag} \\S`, 'm'));
    // Every option, by the flag its name gives (datasetFile is --dataset).
    for (const name of options) expect(SIMULATOR_FLAGS, name).toContain(name === 'datasetFile' ? '--dataset' : kebab(name));
    expect(help).toMatch(/^ {2}--port N +.*\(default 8080\)$/m);
    expect(help).toMatch(/^ {2}--latency-ms MS +.*\(default 150\)$/m);
    expect(help).toMatch(/^ {2}--scopes LIST +.*\(default ZohoCRM\.modules\.ALL,ZohoCRM\.settings\.ALL\)$/m);
    // Each flag once, one line each: the text cannot list a flag the parser does not know.
    const listed = [...help.matchAll(/^ {2}(--[a-z-]+) /gm)].map((m) => m[1]);
    expect(listed).toEqual([...SIMULATOR_FLAGS]);
    for (const flag of listed) expect(() => parseSimulatorArgs([`${flag}=x`]), flag).not.toThrow(/unknown flag/);
  });

  it('is what `relsync simulator --help` prints, exiting 0', async () => {
    const child = startRelsync(['simulator', '--help'], {});
    expect(await child.exited).toBe(0);
    expect(child.stdout()).toBe(simulatorHelp({ port: 8080 }));
  });
});
