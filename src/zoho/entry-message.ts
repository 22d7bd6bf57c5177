/**
 * Zoho result objects → one human sentence for the report's `_message`.
 * Every Zoho error object has `code`, `message`, `details` (docs/zoho.md#one-result-per-entry); `details`
 * says *which* field failed (`api_name`, `json_path`, `expected_data_type`, …), which is what a user
 * needs to fix a row.
 */
import { redactSecrets, snippet } from './redact.js';

/** Long enough for Zoho's message plus its details; short enough for a spreadsheet cell. */
const MAX_MESSAGE_CHARS = 500;

/**
 * "the related id given seems to be invalid (api_name: External_Deal_ID, json_path: $.data[0].External_Deal_ID)".
 * Falls back to the code when Zoho sent no message. Never contains a token. Idempotent.
 */
export function entryMessage(result: { code: string; message: string; details?: Record<string, unknown> }): string {
  const base = result.message.trim() || result.code;
  const parts = Object.entries(result.details ?? {})
    .filter(([, value]) => value !== undefined && value !== null && value !== '')
    .map(([key, value]) => `${key}: ${renderValue(value)}`);
  const suffix = parts.length > 0 ? ` (${parts.join(', ')})` : '';
  // Idempotent: EntryResult.message of an error already went through here.
  const text = suffix === '' || base.endsWith(suffix) ? base : `${base}${suffix}`;
  return snippet(redactSecrets(text), MAX_MESSAGE_CHARS);
}

function renderValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
