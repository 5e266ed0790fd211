import { createVendorProducts } from '../../shared/domain/catalog/vendor-products';
import { ValidationError } from '../../shared/domain/errors';
import { httpHandler } from '../../shared/http/http-handler';
import { auditActorOf } from '../../shared/http/principal';
import { problemFor } from '../../shared/http/problem';
import { zodFieldErrors } from '../../shared/http/zod-errors';
import { CreateProductBodySchema, CreateProductsBatchBodySchema } from '../../shared/schemas/catalog';
import { catalogDeps } from './root';

const catalog = catalogDeps();

/** One product of the batch, checked on its own: its errors are named from `body.products.<index>`. */
const parseProduct = (item: unknown, index: number) => {
  const parsed = CreateProductBodySchema.safeParse(item);
  return parsed.success ? parsed.data : new ValidationError('The product is invalid', zodFieldErrors(parsed.error, `body.products.${index}`));
};

/** POST /vendor/products/batch: each product created or refused on its own; a refusal carries its problem. Audited once. */
export const handler = httpHandler({ body: CreateProductsBatchBodySchema }, async ({ body, event }) => {
  const outcomes = await createVendorProducts(catalog, auditActorOf(event), body.products.map(parseProduct));
  const results = outcomes.map((outcome) => {
    if ('product' in outcome) return { index: outcome.index, productId: outcome.product.productId };
    const { status, title, detail, errors } = problemFor(outcome.error.name, outcome.error.message, event.path, outcome.error.errors);
    return { index: outcome.index, error: { status, title, detail, ...(errors ? { errors } : {}) } };
  });
  return { status: 200, body: { results } };
});
