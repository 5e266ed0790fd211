import * as z from '../validation/zod';
import { AddressViewSchema, AuditEventSchema, MoneyViewSchema, OrderSchema } from './responses';

const isoTime = z.iso.datetime({ offset: true });

/** POST /admin/users/{userId}/erasure: the user's Cognito `sub` (a UUID), the id every order and cart is kept under. */
export const UserIdPathSchema = z.strictObject({
  userId: z.string().check(z.regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'a user id (the Cognito sub)')),
});

/** `202` of DELETE /me and POST /admin/users/{userId}/erasure: the request is recorded and will be carried out. */
export const ErasureAcceptedSchema = z.strictObject({ status: z.literal('accepted'), requestedAt: isoTime });

/** `200` of GET /me/export: everything held about the caller (docs/privacy.md, "Export"). */
export const PersonalDataExportSchema = z.strictObject({
  exportedAt: isoTime,
  subject: z.string(),
  profile: z.nullable(z.strictObject({ attributes: z.record(z.string(), z.string()), groups: z.array(z.string()), createdAt: z.optional(isoTime) })),
  cart: z.nullable(
    z.strictObject({
      lines: z.array(z.strictObject({ sku: z.string(), quantity: z.number().check(z.int(), z.minimum(1)) })),
      updatedAt: isoTime,
    }),
  ),
  defaultAddress: z.nullable(AddressViewSchema),
  orders: z.array(OrderSchema),
  payments: z.array(
    z.strictObject({
      paymentIntentId: z.string(),
      orderId: z.optional(z.string()),
      amount: z.optional(MoneyViewSchema),
      state: z.string(),
      createdAt: isoTime,
      decidedAt: z.optional(isoTime),
      outcome: z.optional(z.strictObject({ kind: z.string(), amount: z.number().check(z.int(), z.minimum(0)), currency: z.string() })),
    }),
  ),
  auditEvents: z.array(AuditEventSchema),
  complete: z.boolean(),
});
