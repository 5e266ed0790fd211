import type { AuditEvent } from './audit-log';

/** A customer's account as the identity provider holds it (Cognito): personal data, never logged. */
export interface CustomerAccount {
  /** Every attribute the pool keeps (email, email_verified, sub, …), by name. */
  readonly attributes: Readonly<Record<string, string>>;
  /** The groups the account belongs to. */
  readonly groups: readonly string[];
  readonly createdAt?: string;
  readonly enabled: boolean;
}

/** The user pool, as export and erasure need it; users are named by their `sub`. */
export interface CustomerAccounts {
  /** The account, or undefined when no user has this sub (never existed, or erased). */
  find(sub: string): Promise<CustomerAccount | undefined>;
  /** Signs the user out of every device (refresh tokens revoked); an unknown user is no error. */
  signOutEverywhere(sub: string): Promise<void>;
  /** Deletes the user; an unknown user is no error (already deleted). */
  delete(sub: string): Promise<void>;
}

/** Personal-data housekeeping in the orders and payments tables (docs/privacy.md). */
export interface PersonalDataStore {
  /**
   * Replaces the order's personal fields by the pseudonym: the customer id becomes `pseudonym`, the address and the
   * contact e-mail are removed (the destination country and region stay, for tax), and every item of the order and
   * its payment record expire at `purgeAt` (epoch seconds). Only while the order still belongs to `customerId`:
   * false when it does not (already pseudonymised, or someone else's), so repeating it changes nothing.
   */
  pseudonymiseOrder(
    orderId: string,
    change: { customerId: string; pseudonym: string; purgeAt: number; at: string; paymentIntentId?: string },
  ): Promise<boolean>;
  /** Deletes the customer's cart, default address and export allowance; absent items are no error. */
  deleteCustomerItems(customerId: string): Promise<void>;
  /**
   * Claims the customer's one export per `intervalSeconds`: true and the claim recorded when the last export is older
   * (or none), otherwise the seconds until the next one is allowed.
   */
  claimExport(
    customerId: string,
    at: Date,
    intervalSeconds: number,
  ): Promise<{ readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number }>;
}

/** The audit events an actor caused, newest first (the audit table's byActor index). */
export interface AuditHistory {
  byActor(actor: string, limit: number): Promise<{ readonly items: readonly AuditEvent[]; readonly more: boolean }>;
}

/** One erasure request, as queued for the asynchronous run (docs/privacy.md). */
export interface ErasureRequest {
  readonly customerId: string;
  /** The random id that replaces the customer everywhere; chosen once per request, kept only in the request. */
  readonly pseudonym: string;
  readonly requestedAt: string;
  /** Who asked: the customer themselves (DELETE /me) or an admin for a request that came by another channel. */
  readonly requestedBy: 'customer' | 'admin';
}

/** Where erasure requests wait for their run (a queue with retries and a DLQ). */
export interface ErasureRequests {
  submit(request: ErasureRequest): Promise<void>;
}

/** The payment provider's customer objects (Stripe Customers): Stockade creates none, but any found are deleted. */
export interface PaymentCustomers {
  /** Deletes every customer object with one of these e-mail addresses; resolves how many were deleted. */
  deleteByEmail(emails: readonly string[]): Promise<number>;
}

/** The fulfilment provider's erasure endpoint: it removes what it holds of these orders' recipient. */
export interface FulfilmentErasure {
  erase(notice: { reference: string; orderIds: readonly string[] }): Promise<void>;
}
