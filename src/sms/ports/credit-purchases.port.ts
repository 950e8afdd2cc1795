/** What an admin asked to buy, as the host's billing is asked to charge it. */
export interface CreditCharge {
  packs: number;
  credits: number;
  /** The admin who asked. */
  userId: string;
  /**
   * Unique per purchase and account (`purchase:<account>:<the request's Idempotency-Key>`): a retried request brings
   * the same key, and the host must answer it with the first outcome, never charge twice.
   */
  idempotencyKey: string;
}

/**
 * `paid`: charged, credit now. `pending`: the host will take payment later (an invoice) and then settles the purchase
 * with `CreditGrants.settlePurchase`. `declined`: nothing charged, nothing credited; `reason` is shown to the admin.
 */
export type ChargeOutcome =
  | { status: 'paid'; reference: string }
  | { status: 'pending'; reference: string }
  | { status: 'declined'; reason: string };

/**
 * How an account pays for credit packs: the host's billing. The module credits only what this says was paid; without
 * it (no `creditPurchases` option) accounts cannot buy credits and only the host's grants add any.
 */
export interface CreditPurchases {
  charge(accountId: string, charge: CreditCharge): Promise<ChargeOutcome>;
}
