import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, LOOPBACK, listenOnLoopback, readBody } from '../../runtime/net';

/** A shipment the stand-in accepted. */
export interface Shipment {
  readonly reference: string;
  readonly orderId: string;
  readonly lines: ReadonlyArray<{ sku: string; quantity: number; vendorId?: string }>;
  /** Where to ship, as the hand-off sent it (name, address lines, city, postal code, region, country). */
  readonly shipTo?: Readonly<Record<string, string>>;
  readonly contactEmail?: string;
  readonly shippingOption?: string;
  readonly acceptedAt: string;
}

/** An erasure notice the stand-in received: the shipments of these orders had their recipient's data removed. */
export interface ErasureNotice {
  readonly reference: string;
  readonly orderIds: readonly string[];
  readonly receivedAt: string;
}

/**
 * A fulfilment provider (warehouse / 3PL), played locally: `POST /shipments` with `Authorization: Bearer <key>`
 * and an `Idempotency-Key` (the order id), a body `{ orderId, lines, shipTo?, contactEmail?, shippingOption? }`, answers
 * `201 { reference }`; the same key again answers the same
 * reference. `GET /shipments` lists what it accepted (for tests and the curious). `POST /erasures` `{ reference,
 * orderIds }` removes the recipient's address and e-mail from those shipments and records the notice (`GET /erasures`);
 * a repeat is harmless.
 */
export class FulfilmentStandIn {
  readonly name = 'Fulfilment';
  private server?: Server;
  private port = 0;
  private apiKey = '';
  private readonly shipments = new Map<string, Shipment>();
  private readonly erasures: ErasureNotice[] = [];

  get url(): string {
    return `http://${LOOPBACK}:${this.port}/`;
  }

  configure(apiKey: string): void {
    this.apiKey = apiKey;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.port = await listenOnLoopback(this.server);
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }

  accepted(): Shipment[] {
    return [...this.shipments.values()];
  }

  /** The erasure notices received, oldest first. */
  erasureNotices(): ErasureNotice[] {
    return [...this.erasures];
  }

  describe(): string[] {
    return [`${this.name.padEnd(16)} ${this.url}  (stand-in: POST /shipments, GET /shipments, POST /erasures, GET /erasures)`];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const body = await readBody(req);
    if (!this.authorized(req.headers.authorization)) return void send(401, { error: 'unauthorized' });
    const path = new URL(req.url ?? '/', this.url).pathname;
    if (req.method === 'GET' && path === '/shipments') return void send(200, { items: this.accepted() });
    if (req.method === 'GET' && path === '/erasures') return void send(200, { items: this.erasureNotices() });
    if (req.method === 'POST' && path === '/erasures') return void send(...this.erase(body));
    if (req.method !== 'POST' || path !== '/shipments') return void send(404, { error: 'not found' });
    const key = req.headers['idempotency-key'];
    let parsed: { orderId?: unknown; lines?: unknown; shipTo?: unknown; contactEmail?: unknown; shippingOption?: unknown };
    try {
      parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
    } catch {
      return void send(400, { error: 'body is not JSON' });
    }
    if (typeof key !== 'string' || key.length === 0 || typeof parsed.orderId !== 'string' || !Array.isArray(parsed.lines))
      return void send(400, { error: 'orderId, lines and Idempotency-Key are required' });
    const existing = this.shipments.get(key);
    if (existing) return void send(200, { reference: existing.reference });
    const shipment: Shipment = {
      reference: `shp_${this.shipments.size + 1}_${parsed.orderId}`,
      orderId: parsed.orderId,
      lines: parsed.lines as Shipment['lines'],
      ...(parsed.shipTo && typeof parsed.shipTo === 'object' ? { shipTo: parsed.shipTo as Shipment['shipTo'] } : {}),
      ...(typeof parsed.contactEmail === 'string' ? { contactEmail: parsed.contactEmail } : {}),
      ...(typeof parsed.shippingOption === 'string' ? { shippingOption: parsed.shippingOption } : {}),
      acceptedAt: new Date().toISOString(),
    };
    this.shipments.set(key, shipment);
    send(201, { reference: shipment.reference });
  }

  /** Drops the recipient's data from the named shipments (the lines and the reference stay: they are the provider's records). */
  private erase(body: Buffer): [number, unknown] {
    let parsed: { reference?: unknown; orderIds?: unknown };
    try {
      parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
    } catch {
      return [400, { error: 'body is not JSON' }];
    }
    const { reference, orderIds } = parsed;
    if (typeof reference !== 'string' || !Array.isArray(orderIds) || !orderIds.every((id): id is string => typeof id === 'string'))
      return [400, { error: 'reference and orderIds are required' }];
    for (const [key, shipment] of this.shipments) {
      if (!orderIds.includes(shipment.orderId)) continue;
      const { shipTo: _shipTo, contactEmail: _contactEmail, ...kept } = shipment;
      this.shipments.set(key, kept);
    }
    this.erasures.push({ reference, orderIds, receivedAt: new Date().toISOString() });
    return [200, { erased: orderIds.length }];
  }

  private authorized(header: string | undefined): boolean {
    const expected = Buffer.from(`Bearer ${this.apiKey}`);
    const given = Buffer.from(header ?? '');
    return this.apiKey.length > 0 && given.length === expected.length && timingSafeEqual(given, expected);
  }
}
