/** The lines `relsync check` prints: one finding each, passed, a problem, or a note. */
export type CheckStatus = 'ok' | 'problem' | 'note';

export interface CheckLine {
  status: CheckStatus;
  /** One line, no symbol: the CLI prefixes ✓, ✗ or ·. */
  text: string;
}

export const ok = (text: string): CheckLine => ({ status: 'ok', text });
export const problem = (text: string): CheckLine => ({ status: 'problem', text });
export const note = (text: string): CheckLine => ({ status: 'note', text });
