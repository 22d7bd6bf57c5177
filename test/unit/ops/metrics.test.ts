import { describe, expect, it } from 'vitest';
import { callOutcome, MAX_CODES, RelsyncMetrics } from '../../../src/ops/metrics.js';
import { parseExposition, sampleSum } from '../../helpers/metrics.js';

describe('metrics', () => {
  it('names how a call ended from its verdict: lost answers apart from connections that never reached Zoho', () => {
    expect(callOutcome({ verdict: 'results', entryErrors: 0 })).toBe('success');
    expect(callOutcome({ verdict: 'results', entryErrors: 1 })).toBe('entry_error');
    expect(callOutcome({ verdict: 'request-error', code: 'INVALID_MODULE', httpStatus: 400 })).toBe('request_error');
    expect(callOutcome({ verdict: 'rate-limited', code: 'TOO_MANY_REQUESTS', httpStatus: 429 })).toBe('rate_limited');
    expect(callOutcome({ verdict: 'token-invalid', code: 'INVALID_TOKEN', httpStatus: 401 })).toBe('token_invalid');
    expect(callOutcome({ verdict: 'retry', code: 'HTTP_503', httpStatus: 503 })).toBe('server_error');
    expect(callOutcome({ verdict: 'retry', code: 'INTERNAL_ERROR', httpStatus: 500 })).toBe('server_error');
    expect(callOutcome({ verdict: 'retry', code: 'BAD_RESPONSE', httpStatus: 200 })).toBe('bad_response');
    for (const code of ['UND_ERR_SOCKET', 'ECONNRESET', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']) expect(callOutcome({ verdict: 'retry', code })).toBe('lost_answer');
    for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'UND_ERR_CONNECT_TIMEOUT', 'NETWORK_ERROR']) expect(callOutcome({ verdict: 'retry', code })).toBe('network_error');
    expect(callOutcome({ verdict: 'retry', code: 'ABORTED' })).toBe('aborted');
  });

  it('keeps the code label bounded: what is not a code, and codes past the first MAX_CODES, count as OTHER', async () => {
    const metrics = new RelsyncMetrics({ concurrencyMax: 10, processMetrics: false });
    metrics.rowsRecorded([{ status: 'error', code: 'INVALID_DATA' }, { status: 'error', code: 'weird code with C-1042 in it' }]);
    metrics.rowsRecorded(Array.from({ length: MAX_CODES + 5 }, (_, i) => ({ status: 'error' as const, code: `CODE_${i}` })));
    const samples = parseExposition((await metrics.exposition()).body).filter((s) => s.name === 'relsync_rows_total');
    expect(sampleSum(samples, 'relsync_rows_total', { code: 'INVALID_DATA' })).toBe(1);
    expect(sampleSum(samples, 'relsync_rows_total', { code: 'OTHER' })).toBe(1 + 6);
    expect(new Set(samples.map((s) => s.labels.code)).size).toBe(MAX_CODES + 1);
  });

  it('shows X-API-CREDITS-REMAINING only once Zoho has sent it, and the budget only when there is one', async () => {
    const metrics = new RelsyncMetrics({ concurrencyMax: 10, processMetrics: false });
    const names = async () => parseExposition((await metrics.exposition()).body).map((s) => s.name);
    expect(await names()).not.toContain('relsync_zoho_credits_remaining');
    expect(await names()).not.toContain('relsync_zoho_credit_budget_used');
    metrics.zohoCall({ type: 'call', module: 'Contacts', relatedList: 'Deals', entryCount: 3, verdict: 'results', httpStatus: 200, durationMs: 120, isTokenRetry: false, entryErrors: 1, creditsRemaining: 4_200 });
    const samples = parseExposition((await metrics.exposition()).body);
    expect(sampleSum(samples, 'relsync_zoho_credits_remaining')).toBe(4_200);
    expect(sampleSum(samples, 'relsync_zoho_entries_total', { status: 'success' })).toBe(2);
    expect(sampleSum(samples, 'relsync_zoho_calls_total', { outcome: 'entry_error' })).toBe(1);
    const budgeted = new RelsyncMetrics({ concurrencyMax: 10, creditBudgetLimit: 500, processMetrics: false });
    budgeted.readFrom({ creditBudgetUsed: async () => 120 });
    const budget = parseExposition((await budgeted.exposition()).body);
    expect([sampleSum(budget, 'relsync_zoho_credit_budget_used'), sampleSum(budget, 'relsync_zoho_credit_budget_limit')]).toEqual([120, 500]);
  });
});
