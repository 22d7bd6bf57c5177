/**
 * One CRM call as the routes see it: method, decoded path segments, query, headers and the parsed body.
 */
import type { IncomingHttpHeaders } from 'node:http';

export type ParsedBody = { kind: 'empty' } | { kind: 'json'; value: unknown } | { kind: 'invalid' };

/** One CRM call. */
export interface CrmCall {
  method: string;
  /** Path segments after `/crm/`, percent-decoded; null when one was not valid percent-encoding. */
  segments: string[] | null;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: ParsedBody;
}

export function parseBody(raw: Buffer): ParsedBody {
  if (raw.length === 0) return { kind: 'empty' };
  try {
    return { kind: 'json', value: JSON.parse(raw.toString('utf8')) as unknown };
  } catch {
    return { kind: 'invalid' };
  }
}
