import type { CartDeps } from '../../shared/domain/cart/cart';
import { cartRepository, catalogRepository } from '../wiring/dynamodb';
import { now } from '../wiring/platform';

/** The cart area's composition root: what its handlers are wired with, once per cold start. */
export const cartDeps = (): CartDeps => ({ carts: cartRepository(), catalog: catalogRepository(), now });
