/** Shared value types of the domain: dependency-free, so ports and use cases alike may use them. */

/** Money is an integer in minor units plus an ISO 4217 code (api-contract.md). */
export interface Money {
  readonly amount: number;
  readonly currency: string;
}
