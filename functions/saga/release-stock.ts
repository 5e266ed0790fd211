import { releaseStock } from '../../shared/domain/orders/saga';
import { now, stockLedger } from '../orders/root';
import { sagaStep, StepInputSchema } from '../../shared/handlers/saga-step-handler';

const deps = { stock: stockLedger(), now };

/** ReleaseStock (compensation): whatever the order still holds goes back; safe to repeat. */
export const handler = sagaStep('ReleaseStock', StepInputSchema, ({ orderId }) => releaseStock(deps, orderId));
