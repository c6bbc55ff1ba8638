import { timingSafeEqual } from 'node:crypto';
import type { StatusEvent } from '@byot/contracts';

/**
 * A provider's status-callback endpoint, as its folder describes it and hook-ingress's one generic router serves
 * it: how the body is read, how the request is proven to come from the provider, and what it says, as
 * StatusEvents. No web framework and no SDK here: the ingress loads this to verify receipts, nothing more.
 */
export type CallbackEndpoint = ServedEndpoint | UnconfiguredEndpoint;

export interface ServedEndpoint {
  readonly configured: true;
  /** The provider's registry name (StatusEvent.provider). */
  readonly provider: string;
  /** Path on the ingress, relative to PUBLIC_BASE_URL (what the workers ask the provider to call). */
  readonly path: string;
  readonly body: CallbackBody;
  /** Body cap in bytes; default: the ingress's CALLBACK_MAX_BODY_BYTES. */
  readonly maxBodyBytes?: number;
  /**
   * Whether the request comes from the provider (signature, token, timestamp). Throws MalformedCallback when the
   * request cannot even be read for verification.
   */
  verify(request: CallbackRequest): Verification | Promise<Verification>;
  /** What a verified request reports (none: nothing about delivery). Throws MalformedCallback. */
  parse(request: CallbackRequest): ParsedCallback;
}

/** A provider route whose credentials are not configured: the ingress answers 404 there. */
export interface UnconfiguredEndpoint {
  readonly configured: false;
  readonly provider: string;
  readonly path: string;
}

/**
 * How the body is read before verification:
 * - form: application/x-www-form-urlencoded only (other types leave `body` undefined);
 * - json-or-form: either;
 * - json: JSON, with its exact bytes kept in `rawBody` (a signature covers them);
 * - raw: the bytes only (`rawBody`), parsed by the provider after verification.
 */
export type CallbackBody = 'form' | 'json-or-form' | 'json' | 'raw';

/** A callback request, framework-free. */
export interface CallbackRequest {
  /** Path and query exactly as the provider called them (never rebuilt from the Host header). */
  readonly originalUrl: string;
  header(name: string): string | undefined;
  /** The Content-Type is application/x-www-form-urlencoded. */
  readonly isForm: boolean;
  /** The parsed body (form or JSON); undefined when its type was not one the endpoint reads. */
  readonly body: unknown;
  readonly rawBody: Buffer | undefined;
  /** When the ingress received it (epoch ms). */
  readonly receivedAt: number;
}

export type Verification = { ok: true } | { ok: false; reason: string };
export const VERIFIED: Verification = { ok: true };
export function refused(reason: string): Verification {
  return { ok: false, reason };
}

export interface ParsedCallback {
  events: StatusEvent[];
  /** Entries of a batch left out because they name no message or no status (the rest are taken). */
  skipped?: number;
}

/** Thrown by verify/parse: the callback does not have the shape of one (answered 400, nothing enqueued). */
export class MalformedCallback extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'MalformedCallback';
  }
}

/** What every provider's endpoints share: the signed-timestamp tolerance and the clock. */
export interface CallbackOptions {
  /** Largest accepted difference between a signed timestamp and our clock. */
  maxSkewMs: number;
}

export const DEFAULT_MAX_SKEW_MS = 5 * 60_000;

/** A provider's raw status word as we accept it: letters, '_' and '-'. */
export const STATUS_PATTERN = /^[A-Za-z_-]{1,64}$/;

/** A string field of a parsed body, or undefined (arrays and objects are not strings). */
export function str(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  return typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A provider timestamp in epoch ms, or the receipt time when absent or implausible (> 1 day off). */
export function occurredAt(parsedMs: number | undefined, receivedAt: number): number {
  if (parsedMs === undefined || !Number.isFinite(parsedMs)) return receivedAt;
  if (Math.abs(parsedMs - receivedAt) > 86_400_000) return receivedAt;
  return Math.trunc(parsedMs);
}

/** Hex digests compared in constant time (case-insensitive). */
export function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase(), 'utf8');
  const y = Buffer.from(b.toLowerCase(), 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
