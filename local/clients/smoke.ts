import { formatMoney } from '../../shared/domain/model/money';
import { PURCHASE_STEPS, type PurchaseResult, runPurchase } from './purchase';
import type { PurchaseTarget } from './purchase-targets';

export interface SmokeOptions {
  readonly target: PurchaseTarget;
  /** Buy from this product; by default the first product of the catalog with a SKU in stock. */
  readonly productId?: string;
  /** The whole run's bound. @default 60_000 */
  readonly timeoutMs?: number;
  /** Where each line goes. @default console.log */
  readonly print?: (line: string) => void;
  /** `cancelled`: check out, then cancel instead of paying (a stage whose Stripe is live). @default 'paid' */
  readonly until?: 'paid' | 'cancelled';
}

const WIDTH = Math.max(...PURCHASE_STEPS.map((s) => s.length));

/**
 * The smoke test (`npm run smoke`): one short purchase against `target`, each step printed with its timing as it
 * finishes, until the order is paid (CONFIRMED: payment taken, stock committed). Resolves with the result; on failure
 * the last line names the step that broke and the HTTP status and problem title (or error name), never a token or
 * personal data. Bounded by `timeoutMs` overall.
 */
export async function runSmoke(options: SmokeOptions): Promise<PurchaseResult> {
  const print = options.print ?? ((line: string) => console.log(line));
  print(`smoke: a purchase against the ${options.target.description}`);
  const result = await runPurchase({
    apiUrl: options.target.apiUrl,
    signIn: options.target.signIn,
    pay: options.target.pay,
    until: options.until ?? 'paid',
    timeoutMs: options.timeoutMs ?? 60_000,
    ...(options.productId ? { productId: options.productId } : {}),
    reporter: { stepFinished: (step, ms, summary) => print(`  ok    ${step.padEnd(WIDTH)} ${`${ms} ms`.padStart(8)}  ${summary}`) },
  });
  const seconds = `${(result.ms / 1000).toFixed(1)} s`;
  if (result.ok) {
    const ending = result.status === 'CANCELLED' ? 'cancelled unpaid' : 'paid';
    print(`smoke passed in ${seconds}: order ${result.orderId} ${result.status}, ${formatMoney(result.total)} ${ending}`);
  } else {
    print(`  FAIL  ${result.failedStep.padEnd(WIDTH)}  ${result.reason}`);
    print(`smoke FAILED at step "${result.failedStep}" after ${seconds}: ${result.reason}${result.orderId ? ` (order ${result.orderId})` : ''}`);
  }
  return result;
}
