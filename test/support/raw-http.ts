import { connect } from 'node:net';
import { recordResponse } from './openapi-responses';

/** An HTTP answer read off the wire: status, lower-cased header names, body text. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
}

/**
 * Writes `bytes` to host:port as they are and reads the answer until the server closes the connection. For requests
 * fetch and node:http refuse to send (a malformed request line, header names such as `__proto__`, raw quotes in the
 * path, oversized headers); send `Connection: close` in a well-formed request so the server closes after answering.
 */
export function rawRequest(port: number, bytes: string, host = '127.0.0.1'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    const chunks: Buffer[] = [];
    socket.setTimeout(15_000, () => socket.destroy(new Error(`no answer within 15 s to ${JSON.stringify(bytes.slice(0, 60))}`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', (hadError) => {
      if (hadError) return;
      const raw = Buffer.concat(chunks).toString('utf8');
      const split = raw.indexOf('\r\n\r\n');
      const [statusLine = '', ...headerLines] = (split < 0 ? raw : raw.slice(0, split)).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const response = { status: Number(statusLine.split(' ')[1] ?? 0), headers, text: split < 0 ? '' : raw.slice(split + 4) };
      // Checked against docs/openapi.json like every e2e response (test/setup/e2e-openapi-responses.ts).
      const [method = '', target = ''] = bytes.slice(0, bytes.indexOf('\r\n')).split(' ');
      if (target.startsWith('/'))
        recordResponse({
          method,
          path: target.split('?')[0] ?? target,
          status: response.status,
          contentType: headers['content-type'] ?? null,
          text: response.text,
        });
      resolve(response);
    });
    // No half-close: Node's HTTP server drops a request whose client has ended its side before the answer.
    socket.write(bytes);
  });
}

/** A request with `headers` written in order and with their names exactly as given, over a fresh connection. */
export function rawHttp(port: number, method: string, target: string, headers: ReadonlyArray<readonly [string, string]> = [], body = ''): Promise<RawResponse> {
  const head = headers.map(([name, value]) => `${name}: ${value}\r\n`).join('');
  const length = body ? `Content-Length: ${Buffer.byteLength(body)}\r\n` : method === 'GET' ? '' : 'Content-Length: 0\r\n';
  return rawRequest(port, `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n${length}${head}\r\n${body}`);
}
