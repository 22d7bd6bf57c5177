import { describe, expect, it } from 'vitest';
import { ERROR_TABLE, ErrorCodes, RelsyncError, UserError, isErrorCode, isUserError, oneLine } from '../../src/errors.js';

describe('errors', () => {
  it('keeps a stable code and says whether a retry can help', () => {
    const error = new RelsyncError(ErrorCodes.SYNC_CALL_FAILED, 'boom', { cause: new Error('x') });
    expect(error.code).toBe('SYNC_CALL_FAILED');
    expect(error.isRetryable).toBe(true);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('marks user mistakes and renders them as one line', () => {
    const error = new UserError('FILE_INVALID', 'a.csv: line 3\n  unclosed quote');
    expect(isUserError(error)).toBe(true);
    expect(isUserError(new RelsyncError(ErrorCodes.INVALID_OPTION, 'y'))).toBe(false);
    expect(oneLine(error)).toBe('a.csv: line 3 unclosed quote');
  });

  it('takes whether a retry can help from the code, unless the thrower knows better', () => {
    expect(new UserError(ErrorCodes.FILE_INVALID, 'a.csv: bad').isRetryable).toBe(false);
    expect(new RelsyncError(ErrorCodes.TOKEN_WAIT_TIMEOUT, 'busy').isRetryable).toBe(true);
    expect(new RelsyncError(ErrorCodes.ACCOUNTS_ERROR, 'invalid_client', { isRetryable: false }).isRetryable).toBe(false);
  });

  it('has one table: every code names itself and says what it means', () => {
    for (const [code, kind] of Object.entries(ERROR_TABLE)) {
      expect(ErrorCodes[code as keyof typeof ErrorCodes]).toBe(code);
      expect(isErrorCode(code)).toBe(true);
      expect(kind.meaning.length).toBeGreaterThan(10);
    }
    expect(isErrorCode('INVALID_DATA')).toBe(false);
  });
});
