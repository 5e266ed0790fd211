import { TransientError } from '../../shared/domain/orders/saga-errors';

/**
 * Tries `operation` again after a TransientError (a lost transaction conflict), with full jitter capped at `capMs`,
 * as the saga's Retry or a queue's redelivery would; up to 30 attempts.
 */
export async function retried<T>(operation: () => Promise<T>, rng: () => number, options: { baseMs: number; capMs: number }): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!(error instanceof TransientError) || attempt >= 30) throw error;
      await new Promise((r) => setTimeout(r, rng() * Math.min(options.capMs, options.baseMs * 2 ** attempt)));
    }
  }
}
