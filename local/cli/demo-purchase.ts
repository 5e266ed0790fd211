import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { formatMoney, type Money } from '../../shared/domain/model/money';
import { type PurchaseExchange, type PurchaseStep, runPurchase } from '../clients/purchase';
import { localTarget } from '../clients/purchase-targets';
import { DEMO_PURCHASE_SHIPPING } from '../demo/demo-address';
import type { Endpoints } from '../runtime/local-runtime';
import { PROJECT_ROOT } from '../runtime/synth';

const HELP = `Usage: npm run demo:purchase -- [options]

The README's purchase, end to end, against the running local runtime (npm start), explained as it goes: each
request the storefront sends and the interesting part of each answer, until the order is FULFILLED.

  --product <id>       buy from this product (default: the first in the catalog with stock)
  --quantity <n>       how many (default 2)
  --state-dir <dir>    where npm start wrote endpoints.json (default .stockade)
  -h, --help           this help`;

const EXPLAINED: Record<PurchaseStep, string> = {
  health: 'Is the API up? (public)',
  'sign-in': 'The demo customer signs in against the local Cognito (USER_PASSWORD_AUTH, as `npm run login` does)',
  catalog: 'Browse the public catalog for a SKU in stock',
  cart: 'Empty the cart, then put the SKU in it (PUT sets the quantity)',
  checkout:
    'Check out the cart, shipped by express to the address given (without one, to the saved default address, PUT /me/address); the Idempotency-Key makes a retried checkout the same order',
  'awaiting-payment': 'The order saga reserves the stock and creates a Stripe PaymentIntent; poll the order',
  pay: "The customer's browser would confirm the PaymentIntent with Stripe.js; here the Stripe SDK against the Stripe stand-in does, with the test card pm_card_visa. The stand-in then sends the signed webhook (POST /webhooks/stripe)",
  paid: 'The webhook resumes the saga: the sale is committed (CONFIRMED) and the fulfilment consumer hands the order to the warehouse (FULFILLED)',
  cancel: 'Cancel the order instead of paying: the PaymentIntent is canceled and the stock goes back (the prod canary ends so)',
};

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      product: { type: 'string' },
      quantity: { type: 'string', default: '2' },
      'state-dir': { type: 'string', default: path.join(PROJECT_ROOT, '.stockade') },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const quantity = Number(values.quantity);
  if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > 99) {
    console.error('--quantity takes a whole number from 1 to 99');
    return 2;
  }
  const endpointsFile = path.join(values['state-dir'], 'endpoints.json');
  if (!existsSync(endpointsFile)) {
    console.error(`No local runtime is running on ${values['state-dir']} (npm start writes ${endpointsFile} when it is ready)`);
    return 2;
  }
  const target = localTarget(JSON.parse(readFileSync(endpointsFile, 'utf8')) as Endpoints);
  console.log(`A purchase against the ${target.description}, as a storefront makes it.`);
  let lastPoll = '';
  let number = 0;
  const result = await runPurchase({
    ...target,
    quantity,
    until: 'fulfilled',
    shipping: DEMO_PURCHASE_SHIPPING,
    ...(values.product ? { productId: values.product } : {}),
    reporter: {
      stepStarted: (step) => console.log(`\n${++number}. ${step}: ${EXPLAINED[step]}`),
      exchange: (exchange) => {
        // A poll repeats itself: show a read of the order only when what it says changed.
        const line = `   ${exchange.status} ${interesting(exchange)}`;
        const repeated = exchange.method === 'GET' && exchange.path.startsWith('/orders/') && line === lastPoll;
        lastPoll = line;
        if (repeated) return;
        console.log(`   ${exchange.method} ${exchange.path}${requestText(exchange)}`);
        console.log(line);
      },
      stepFinished: (_step, ms, summary) => console.log(`   => ${summary} (${ms} ms)`),
    },
  });
  if (!result.ok) {
    console.error(`\nThe purchase stopped at "${result.failedStep}": ${result.reason}`);
    return 1;
  }
  console.log(
    `\nOrder ${result.orderId} is ${result.status}: ${formatMoney(result.total)} paid (amount ${result.total.amount}: minor units), in ${(result.ms / 1000).toFixed(1)} s.`,
  );
  console.log('The same with curl, step by step: README.md, "A whole purchase".');
  return 0;
}

function requestText(exchange: PurchaseExchange): string {
  const headers = Object.entries(exchange.headers ?? {}).map(([name, value]) => ` ${name}: ${value}`);
  return `${headers.join('')}${exchange.requestBody === undefined ? '' : ` ${JSON.stringify(exchange.requestBody)}`}`;
}

/** The part of an answer worth reading: a problem's title, an order's status, money as money with its minor units. */
function interesting({ body }: PurchaseExchange): string {
  const money = (m: Money) => `${formatMoney(m)} (amount ${m.amount}, minor units)`;
  if (typeof body.title === 'string') return `${body.title}: ${String(body.detail ?? '')}`;
  const parts: string[] = [];
  if (typeof body.orderId === 'string') parts.push(`order ${body.orderId}`);
  if (typeof body.status === 'string') parts.push(body.status);
  if (Array.isArray(body.items)) {
    const items = body.items as Array<{ name?: string; sku?: string; quantity?: number; skus?: Array<{ sku: string; price: Money; available: number }> }>;
    parts.push(`${items.length} item(s)`);
    const first = items[0];
    if (first?.skus) parts.push(`first: ${first.name ?? ''} ${first.skus.map((s) => `${s.sku} ${formatMoney(s.price)}, ${s.available} available`).join('; ')}`);
    else if (first?.sku) parts.push(items.map((i) => `${i.quantity ?? 0} x ${i.sku ?? ''}`).join(', '));
  }
  const shipping = body.shipping as { amount?: Money; option?: { label?: string } } | undefined;
  if (shipping?.amount) parts.push(`shipping ${money(shipping.amount)} (${shipping.option?.label ?? ''})`);
  if (body.total && typeof body.total === 'object') parts.push(`total ${money(body.total as Money)}`);
  const payment = body.payment as { paymentIntentId?: string; status?: string } | undefined;
  if (payment?.paymentIntentId) parts.push(`PaymentIntent ${payment.paymentIntentId} ${payment.status ?? ''}`);
  return parts.join(', ') || '(no body)';
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
    process.exit(1);
  },
);
