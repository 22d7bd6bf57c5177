/**
 * Shared by the hostile-input tests: fixtures copied under the harness's IMPORT_ROOT, and the profile
 * they use. Imports are run as another service runs them (test/helpers/import-jobs.ts), so
 * the worker itself meets the bad input.
 */
import { copyFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { BUILTIN_PROFILES, type Profile } from '../../src/profile/profile.js';
import type { Harness } from '../helpers/harness.js';

export const HOSTILE_FIXTURES = join(import.meta.dirname, '../fixtures/hostile');
export const CONTACTS_DEALS = BUILTIN_PROFILES['contacts-deals'] as Profile;

/** Copy a fixture into IMPORT_ROOT; returns its real absolute path (as the worker names it). */
export async function stageFixture(h: Harness, name: string): Promise<string> {
  const target = join(await realpath(h.dir), name);
  await copyFile(join(HOSTILE_FIXTURES, name), target);
  return target;
}
