/**
 * ImportJobPayload (the type another service codes against) and validateImportPayload (what the worker
 * accepts) must say the same thing. The type-level assertions (`expectTypeOf`) are checked by
 * `tsc --noEmit` (npm run typecheck), which includes test/; the runtime ones by vitest.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { DEFAULT_MAX_INLINE_CSV_BYTES, importPayloadSchema, validateImportPayload, type ImportJobPayload, type PayloadCheck } from '../../jobs/import.job.js';

type Origin = NonNullable<ImportJobPayload['origin']>;

/** The smallest payload: the two required keys. */
const MINIMAL: ImportJobPayload = { source: { path: 'in/pairs.csv' }, profile: 'contacts-deals' };

/**
 * Every key of the type with a valid value. `Required<…>` makes this fail to compile when a key is
 * added to the type and not here, so the runtime checks below always cover every key.
 */
const EVERY_KEY: Required<ImportJobPayload> = {
  source: { path: 'in/pairs.csv' },
  profile: 'contacts-deals',
  idempotencyKey: 'order-export-2026-11-30',
  importId: 'imp-20261130-120000-abcdef',
  reportPath: 'out/pairs.report.csv',
  origin: 'queue',
  force: true,
  retryOf: 'imp-20261129-120000-fedcba',
  schedule: { name: 'nightly' },
  abort: { errorRate: 0.5, minRows: 200 },
  mode: 'mirror',
  allowRemovals: true,
  incremental: true,
};

/** Every origin the type allows; the type assertion below fails if the two lists drift apart. */
const ORIGINS = ['cli', 'watch', 'schedule', 'queue', 'retry', 'undo'] as const;

describe('ImportJobPayload and validateImportPayload', () => {
  it('have the same type: the schema infers exactly ImportJobPayload, and a valid check returns one', () => {
    expectTypeOf<z.infer<typeof importPayloadSchema>>().toEqualTypeOf<ImportJobPayload>();
    expectTypeOf<z.input<typeof importPayloadSchema>>().toEqualTypeOf<ImportJobPayload>();
    expectTypeOf<Extract<PayloadCheck, { ok: true }>['value']>().toEqualTypeOf<ImportJobPayload>();
    expectTypeOf<(typeof ORIGINS)[number]>().toEqualTypeOf<Origin>();
    // Assignable both ways, whatever validateImportPayload returns at run time.
    const check = validateImportPayload(EVERY_KEY);
    if (check.ok) {
      expectTypeOf(check.value).toEqualTypeOf<ImportJobPayload>();
      const back: ImportJobPayload = check.value;
      const forth: z.infer<typeof importPayloadSchema> = back;
      expect(forth).toEqual(EVERY_KEY);
    }
  });

  it('name the same keys', () => {
    expect(Object.keys(importPayloadSchema.shape).sort()).toEqual(Object.keys(EVERY_KEY).sort());
  });

  it('accept a payload with every key of the type, and give it back unchanged', () => {
    expect(validateImportPayload(EVERY_KEY)).toEqual({ ok: true, value: EVERY_KEY });
  });

  it('accept each optional key on its own beside the required ones', () => {
    for (const key of Object.keys(EVERY_KEY) as Array<keyof ImportJobPayload>) {
      const payload = { ...MINIMAL, [key]: EVERY_KEY[key] };
      expect({ key, check: validateImportPayload(payload) }).toEqual({ key, check: { ok: true, value: payload } });
    }
  });

  it('accept every form of the union keys: an inline CSV, a profile object, every origin', () => {
    const variants: ImportJobPayload[] = [
      { source: { csv: 'contact_ext_id,deal_ext_id\nC-1,D-1\n' }, profile: 'contacts-deals' },
      { source: { path: 'in/pairs.csv' }, profile: { module: 'Contacts', relatedList: 'Deals' } },
      ...ORIGINS.map((origin) => ({ ...MINIMAL, origin })),
    ];
    for (const payload of variants) expect(validateImportPayload(payload)).toEqual({ ok: true, value: payload });
  });

  it('refuse what the type refuses: a missing required key', () => {
    // @ts-expect-error the type requires `profile`
    const noProfile: ImportJobPayload = { source: { path: 'in/pairs.csv' } };
    expect(validateImportPayload(noProfile)).toEqual({ ok: false, problems: ['profile: expected a profile name or a profile object, got nothing'] });
  });

  it('refuse unknown keys, at the top and inside source and schedule, naming them', () => {
    // @ts-expect-error the type has no `priority`
    const extra: ImportJobPayload = { ...MINIMAL, priority: 1 };
    expect(validateImportPayload(extra)).toEqual({ ok: false, problems: ['payload: unknown key(s) priority'] });

    const inSchedule = { ...MINIMAL, schedule: { name: 'nightly', cron: '0 2 * * *' } };
    // @ts-expect-error a schedule has only a name
    const scheduleTyped: ImportJobPayload = { ...MINIMAL, schedule: { name: 'nightly', cron: '0 2 * * *' } };
    expect(scheduleTyped).toEqual(inSchedule);
    expect(validateImportPayload(inSchedule)).toEqual({ ok: false, problems: ['schedule: unknown key(s) cron'] });

    expect(validateImportPayload({ ...MINIMAL, abort: { errorRate: 1.5, after: 3 } })).toEqual({ ok: false, problems: expect.arrayContaining(['abort: unknown key(s) after']) });
    expect(validateImportPayload({ ...MINIMAL, abort: { errorRate: 1.5 } })).toEqual({ ok: false, problems: ['abort.errorRate: expected a number from 0 to 1 (e.g. 0.5), got 1.5'] });
    expect(validateImportPayload({ ...MINIMAL, abort: { minRows: 0 } })).toEqual({ ok: false, problems: ['abort.minRows: expected an integer >= 1, got 0'] });
    expect(validateImportPayload({ ...MINIMAL, incremental: 'yes' })).toEqual({ ok: false, problems: ["incremental: expected boolean, got 'yes'"] });

    const inSource = { ...MINIMAL, source: { path: 'in/pairs.csv', csv: 'a,b\n' } };
    const check = validateImportPayload(inSource);
    expect(check.ok).toBe(false);
    expect(check.ok ? [] : check.problems).toEqual(['source: expected { "path": "…" } or { "csv": "…" }, got an object']);
  });
  it('refuse an inline CSV larger than the workers take before it is enqueued (default 10 MiB, or the limit given)', () => {
    const csv = (rows: number): string => 'contact_ext_id,deal_ext_id\n' + 'C-1,D-1\n'.repeat(rows);
    const atLimit = csv(Math.floor((DEFAULT_MAX_INLINE_CSV_BYTES - 27) / 8));
    expect(Buffer.byteLength(atLimit)).toBeLessThanOrEqual(DEFAULT_MAX_INLINE_CSV_BYTES);
    expect(validateImportPayload({ source: { csv: atLimit }, profile: 'contacts-deals' }).ok).toBe(true);
    const over = `${atLimit}C-é,D-1\n`;
    const bytes = Buffer.byteLength(over);
    expect(bytes).toBeGreaterThan(DEFAULT_MAX_INLINE_CSV_BYTES);
    expect(validateImportPayload({ source: { csv: over }, profile: 'contacts-deals' })).toEqual({
      ok: false,
      problems: [`source.csv: expected at most ${DEFAULT_MAX_INLINE_CSV_BYTES} bytes, got ${bytes}`],
    });
    // Bytes, not characters: 'é' is two bytes in UTF-8.
    expect(validateImportPayload({ source: { csv: 'ééé' }, profile: 'contacts-deals' }, { maxInlineCsvBytes: 5 })).toEqual({
      ok: false,
      problems: ['source.csv: expected at most 5 bytes, got 6'],
    });
    expect(validateImportPayload({ source: { csv: 'éé' }, profile: 'contacts-deals' }, { maxInlineCsvBytes: 4 }).ok).toBe(true);
  });
});
