import { InventoryWebhookBodySchema, MAX_INVENTORY_WEBHOOK_LINES } from '../../../shared/schemas/inventory';

const valid = {
  eventId: 'evt_01HX-1:a.b',
  occurredAt: '2026-03-02T11:59:00Z',
  updates: [
    { externalSku: 'ACME-10001', quantity: 3, unit: 'case', version: 7 },
    { externalSku: 'ACME:X', quantity: 0 },
  ],
};
const line = (i: number) => ({ externalSku: `ACME-${i}`, quantity: 1 });

describe('InventoryWebhookBodySchema', () => {
  test('accepts the contract body, optional unit and version, offsets in occurredAt', () => {
    expect(InventoryWebhookBodySchema.safeParse(valid).success).toBe(true);
    expect(InventoryWebhookBodySchema.safeParse({ ...valid, occurredAt: '2026-03-02T12:59:00+01:00' }).success).toBe(true);
    expect(InventoryWebhookBodySchema.safeParse({ ...valid, updates: Array.from({ length: MAX_INVENTORY_WEBHOOK_LINES }, (_, i) => line(i)) }).success).toBe(
      true,
    );
    expect(
      InventoryWebhookBodySchema.safeParse({
        ...valid,
        updates: [
          { externalSku: 'A', quantity: 0.5, unit: 'case' },
          { externalSku: 'B', quantity: 0.000001 },
        ],
      }).success,
    ).toBe(true);
  });

  test.each<[string, unknown, string]>([
    ['an unknown top-level field', { ...valid, source: 'x' }, ''],
    ['an unknown line field', { ...valid, updates: [{ ...line(1), delta: 2 }] }, 'updates.0'],
    ['a negative quantity', { ...valid, updates: [{ externalSku: 'A', quantity: -1 }] }, 'updates.0.quantity'],
    // Found by the HTTP fuzz suite: a quarantined line stores its quantity, and DynamoDB refuses numbers below 1e-130 (a 500).
    ['a quantity too small to store', { ...valid, updates: [{ externalSku: 'A', quantity: 5.6e-293 }] }, 'updates.0.quantity'],
    ['a quantity below a millionth', { ...valid, updates: [{ externalSku: 'A', quantity: 0.0000001 }] }, 'updates.0.quantity'],
    ['a quantity as a string', { ...valid, updates: [{ externalSku: 'A', quantity: '3' }] }, 'updates.0.quantity'],
    ['a fractional version', { ...valid, updates: [{ externalSku: 'A', quantity: 1, version: 1.5 }] }, 'updates.0.version'],
    ['no updates', { ...valid, updates: [] }, 'updates'],
    [
      `more than ${MAX_INVENTORY_WEBHOOK_LINES} updates`,
      { ...valid, updates: Array.from({ length: MAX_INVENTORY_WEBHOOK_LINES + 1 }, (_, i) => line(i)) },
      'updates',
    ],
    ['the same externalSku twice', { ...valid, updates: [line(1), line(2), line(1)] }, 'updates.2.externalSku'],
    ['an eventId with a key separator', { ...valid, eventId: 'evt#1' }, 'eventId'],
    ['an occurredAt without a time', { ...valid, occurredAt: '2026-03-02' }, 'occurredAt'],
    ['no eventId', { occurredAt: valid.occurredAt, updates: valid.updates }, 'eventId'],
  ])('refuses %s', (_name, body, path) => {
    const parsed = InventoryWebhookBodySchema.safeParse(body);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});
