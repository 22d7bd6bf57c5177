/**
 * The HTTP edge of the simulator: reading bodies, writing replies the way Zoho's servers do
 * (`application/json;charset=UTF-8`, `Server: ZGS`: docs/zoho.md#response-headers) and the error envelope
 * `{"code","details","message","status":"error"}` (docs/zoho.md#one-result-per-entry,
 * docs/zoho.md#whole-request-errors).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A reply computed by a route, written later (after latency, unless a fault replaces it). */
export interface Reply {
  status: number;
  /** Serialised as JSON, unless `html` is set. */
  body: unknown;
  headers?: Record<string, string>;
  /** Send `body` as an HTML page (gateway errors are not JSON). */
  html?: boolean;
}

export interface ZohoError {
  code: string;
  details: Record<string, unknown>;
  message: string;
  status: 'error';
}

export function zohoError(code: string, message: string, details: Record<string, unknown> = {}): ZohoError {
  return { code, details, message, status: 'error' };
}

export function errorReply(status: number, code: string, message: string, details: Record<string, unknown> = {}): Reply {
  return { status, body: zohoError(code, message, details) };
}

/** Largest request body read, in bytes; a bigger one is answered 413 (Zoho's table lists 413). */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

export class BodyTooLargeError extends Error {
  constructor() {
    super(`request body over ${MAX_BODY_BYTES} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLargeError();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

const GATEWAY_PAGES: Readonly<Record<number, string>> = {
  502: '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>',
  503: '<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>',
};

export function gatewayReply(status: 502 | 503): Reply {
  return { status, body: GATEWAY_PAGES[status], html: true };
}

/** 204 No Content: an answer with nothing to list, and no body at all. */
export function noContent(): Reply {
  return { status: 204, body: undefined };
}

/** Marks a BigInt in the serialised text; random per process, so no string value can forge it. */
const BIGINT_MARK = `bigint-${randomUUID()}`;
const BIGINT_QUOTED = new RegExp(`"${BIGINT_MARK}(-?\\d+)"`, 'g');

/**
 * JSON text of a reply body. A BigInt is written as a bare JSON number with every digit, the way Zoho
 * writes ids above 2^53 where it sends them as numbers (JSON.stringify alone refuses BigInts).
 */
export function toJsonText(body: unknown): string {
  const text = JSON.stringify(body, (_key, value: unknown) => (typeof value === 'bigint' ? `${BIGINT_MARK}${value}` : value)) ?? 'null';
  return text.replace(BIGINT_QUOTED, '$1');
}

export function writeReply(res: ServerResponse, reply: Reply): void {
  if (res.destroyed || res.headersSent) return;
  if (reply.status === 204) {
    res.writeHead(204, { Server: 'ZGS', ...reply.headers });
    res.end();
    return;
  }
  const text = reply.html === true ? String(reply.body) : toJsonText(reply.body);
  res.writeHead(reply.status, {
    'Content-Type': reply.html === true ? 'text/html' : 'application/json;charset=UTF-8',
    'Content-Length': Buffer.byteLength(text),
    Server: 'ZGS',
    ...reply.headers,
  });
  res.end(text);
}

/** Drops the connection without a response: the client sees a reset / "other side closed". */
export function destroyConnection(req: IncomingMessage): void {
  req.socket.destroy();
}

/** The path split into percent-decoded segments, or null when a segment is not valid percent-encoding. */
export function decodePathSegments(pathname: string): string[] | null {
  try {
    return pathname.split('/').slice(1).map((segment) => decodeURIComponent(segment));
  } catch {
    return null;
  }
}
