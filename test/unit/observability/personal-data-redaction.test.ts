import { logger } from '../../../shared/observability/powertools';
import { REDACTED, redactPersonalData } from '../../../shared/observability/personal-data-redaction';

/** The lines the shared logger (the one every function uses) writes while `log` runs, parsed. */
function linesOf(log: () => void): Array<Record<string, unknown>> {
  const written: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    written.push(chunk.toString());
    return true;
  };
  // Errors and warnings go to stderr, the rest to stdout.
  const spies = [jest.spyOn(process.stdout, 'write').mockImplementation(capture), jest.spyOn(process.stderr, 'write').mockImplementation(capture)];
  logger.setLogLevel('INFO');
  try {
    log();
  } finally {
    logger.setLogLevel('SILENT');
    for (const spy of spies) spy.mockRestore();
  }
  return written
    .join('')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('the logger masks personal data in every line', () => {
  it('redacts address and contact fields, at any depth, and leaves ids and outcomes alone', () => {
    const [line] = linesOf(() =>
      logger.info('Checkout accepted', {
        orderId: '01JEXAMPLE',
        sub: 'b3c1f1a2-9d4e-4c55-8a0e-1f2d3c4b5a69',
        shipping: { address: { name: 'Dana Demo', line1: 'Torstraße 1', postalCode: '10119', city: 'Berlin', country: 'DE' }, email: 'dana@stockade.test' },
        shipTo: { name: 'Dana Demo' },
        contactEmail: 'dana@stockade.test',
        outcome: 'accepted',
      }),
    );
    expect(line).toMatchObject({
      message: 'Checkout accepted',
      orderId: '01JEXAMPLE',
      sub: 'b3c1f1a2-9d4e-4c55-8a0e-1f2d3c4b5a69',
      shipping: { address: { line1: REDACTED, postalCode: REDACTED, country: 'DE' }, email: REDACTED },
      shipTo: REDACTED,
      contactEmail: REDACTED,
      outcome: 'accepted',
    });
    const text = JSON.stringify(line);
    for (const personal of ['Torstraße', '10119', 'dana@stockade.test']) expect(text).not.toContain(personal);
  });

  it("masks e-mail addresses in any string, a logged error's message and attributes included", () => {
    const error = Object.assign(new Error('User customer-1a2b@stockade.test does not exist'), {
      username: 'customer-1a2b@stockade.test',
      $metadata: { httpStatusCode: 400 },
    });
    const [line] = linesOf(() => logger.error('Request failed', { error, note: 'asked for gifts@example.test' }));
    const text = JSON.stringify(line);
    expect(text).not.toContain('@stockade.test');
    expect(text).not.toContain('gifts@');
    expect(line).toMatchObject({
      note: 'asked for [email]',
      error: { name: 'Error', message: 'User [email] does not exist', username: '[email]', $metadata: { httpStatusCode: 400 } },
    });
  });

  it('keeps what only looks like an address: package specifiers, scoped paths, missing values', () => {
    expect(redactPersonalData('stack', 'at /var/task/node_modules/@aws-sdk/client-dynamodb/index.js (stripe@18.0.0)')).toBe(
      'at /var/task/node_modules/@aws-sdk/client-dynamodb/index.js (stripe@18.0.0)',
    );
    expect(redactPersonalData('email', undefined)).toBeUndefined();
    expect(redactPersonalData('name', 'switch checkout-paused')).toBe('switch checkout-paused');
  });
});
