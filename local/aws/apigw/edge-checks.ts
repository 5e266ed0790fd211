import Ajv from 'ajv-draft-04';
import type { ValidateFunction } from 'ajv';

/**
 * Request body validation as API Gateway applies a method's request model (JSON Schema draft 4) when its validator
 * validates bodies: a body that is not JSON, or JSON the model refuses, is answered BAD_REQUEST_BODY before any
 * Lambda runs. Only JSON requests are checked (Content-Type application/json or +json, or none, which API Gateway
 * takes as application/json); another media type reaches the handler, which answers 415.
 */
export class BodyModels {
  private readonly ajv = new Ajv({ allErrors: false, strict: false });
  private readonly compiled = new Map<Record<string, unknown>, ValidateFunction>();

  /** True when the model refuses the body (or the body is not JSON); false when it passes or is not checked. */
  refuses(model: Record<string, unknown>, contentType: string | undefined, body: Buffer): boolean {
    const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const json = mediaType === '' || mediaType === 'application/json' || (mediaType.startsWith('application/') && mediaType.endsWith('+json'));
    if (!json) return false;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return true;
    }
    return !this.validator(model)(parsed);
  }

  private validator(model: Record<string, unknown>): ValidateFunction {
    let validate = this.compiled.get(model);
    if (!validate) {
      validate = this.ajv.compile(model);
      this.compiled.set(model, validate);
    }
    return validate;
  }
}

/** The stage's throttle, as its method settings declare it (requests per second, and the burst). */
export interface ThrottleSettings {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/**
 * API Gateway's throttling: a token bucket per stage that holds up to `burstLimit` requests and refills at
 * `rateLimit` a second. A request that finds it empty is answered THROTTLED (429) before anything else runs.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly settings: ThrottleSettings,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = settings.burstLimit;
    this.last = this.now();
  }

  /** Takes one request's token; false when the bucket is empty. */
  take(): boolean {
    const at = this.now();
    this.tokens = Math.min(this.settings.burstLimit, this.tokens + ((at - this.last) / 1000) * this.settings.rateLimit);
    this.last = at;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
