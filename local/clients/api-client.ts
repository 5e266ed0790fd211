/** A response of the local API: status, headers, and the body parsed as JSON (or `{ raw }` when it is not JSON). */
export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

/**
 * Calls the local API as a client does (tests and benchmarks): an optional bearer token, a JSON body, extra headers. Non-JSON answers (a
 * gateway error page) come back as `{ raw }` so a test can show them instead of failing to parse.
 */
export function apiCaller(apiUrl: string, options: { timeoutMs?: number } = {}) {
  return async (method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(options.timeoutMs ? { signal: AbortSignal.timeout(options.timeoutMs) } : {}),
    });
    const text = await response.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = { raw: text.slice(0, 500) };
    }
    return { status: response.status, headers: response.headers, body: parsed };
  };
}
