import { describe, expect, it } from 'vitest';
import { RelsyncError, UserError, isUserError, oneLine } from '../../src/errors.js';

describe('errors', () => {
  it('keeps a stable code and says whether a retry can help', () => {
    const error = new RelsyncError('ZOHO_HTTP', 'boom', { isRetryable: true, cause: new Error('x') });
    expect(error.code).toBe('ZOHO_HTTP');
    expect(error.isRetryable).toBe(true);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('marks user mistakes and renders them as one line', () => {
    const error = new UserError('FILE_INVALID', 'a.csv: line 3\n  unclosed quote');
    expect(isUserError(error)).toBe(true);
    expect(isUserError(new RelsyncError('X', 'y'))).toBe(false);
    expect(oneLine(error)).toBe('a.csv: line 3 unclosed quote');
  });
});
