/**
 * OAuth parameters as Zoho's accounts server takes them: in the query string (as the docs show), as a
 * urlencoded body, or as multipart form data (as the official SDKs send them, docs/zoho.md#access-tokens).
 * Body values win over query values of the same name.
 */
import type { IncomingHttpHeaders } from 'node:http';

function boundaryOf(contentType: string): string | null {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2] ?? null;
}

/** Text fields of a multipart/form-data body (files are read as text too; the token call has none). */
function parseMultipart(body: Buffer, boundary: string): [string, string][] {
  const fields: [string, string][] = [];
  const parts = body.toString('utf8').split(`--${boundary}`);
  for (const part of parts.slice(1)) {
    if (part.startsWith('--')) break;
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd === -1) continue;
    const name = /name="([^"]*)"/i.exec(part.slice(0, headerEnd))?.[1];
    if (name === undefined) continue;
    fields.push([name, part.slice(headerEnd + 4).replace(/\r\n$/, '')]);
  }
  return fields;
}

function bodyFields(headers: IncomingHttpHeaders, body: Buffer): [string, string][] {
  const contentType = headers['content-type'] ?? '';
  if (/^application\/x-www-form-urlencoded/i.test(contentType)) return [...new URLSearchParams(body.toString('utf8'))];
  if (/^multipart\/form-data/i.test(contentType)) {
    const boundary = boundaryOf(contentType);
    return boundary === null ? [] : parseMultipart(body, boundary);
  }
  return [];
}

export function readFormParams(query: URLSearchParams, headers: IncomingHttpHeaders, body: Buffer): URLSearchParams {
  const params = new URLSearchParams(query);
  for (const [name, value] of bodyFields(headers, body)) params.set(name, value);
  return params;
}
