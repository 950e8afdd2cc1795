import { createHmac, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, Environment } from '../../config/app-config';
import type { ChargeOutcome, CreditCharge, CreditPurchases } from '../../sms';

/** What an invoice is for: the purchase the SMS module asked to be charged. */
export interface Invoice {
  id: string;
  accountId: string;
  packs: number;
  credits: number;
  userId: string;
  /** The purchase's key: paying the invoice twice credits once. */
  idempotencyKey: string;
}

const INVOICE_ID = /^inv_([A-Za-z0-9_-]{1,4000})\.([A-Za-z0-9_-]{43})$/;

/**
 * The reference helpdesk's billing: a credit purchase is not paid on the spot but invoiced; the platform marks the
 * invoice paid (POST /api/platform/invoices/:id/paid) and only then are the credits added. The invoice id carries the
 * purchase and a MAC keyed from PLATFORM_TOKEN, so nothing needs storing and no one without the platform token can
 * make or alter one; the same purchase (idempotency key) always gets the same invoice.
 */
@Injectable()
export class InvoiceBilling implements CreditPurchases {
  private readonly logger = new Logger(InvoiceBilling.name);
  private readonly key: Buffer | null;

  constructor(@Inject(APP_CONFIG) env: Environment) {
    this.key = env.PLATFORM_TOKEN
      ? createHmac('sha256', env.PLATFORM_TOKEN).update('ticket-sms invoices').digest()
      : null;
  }

  /** Without a platform token no one could mark an invoice paid: the helpdesk then sells no credits. */
  get available(): boolean {
    return this.key !== null;
  }

  charge(accountId: string, charge: CreditCharge): Promise<ChargeOutcome> {
    const payload = Buffer.from(
      JSON.stringify({ a: accountId, p: charge.packs, c: charge.credits, u: charge.userId, k: charge.idempotencyKey }),
    ).toString('base64url');
    const id = `inv_${payload}.${this.mac(accountId, charge)}`;
    this.logger.log(
      { accountId, packs: charge.packs, credits: charge.credits },
      'credit purchase invoiced; credits follow once the platform marks it paid',
    );
    return Promise.resolve({ status: 'pending', reference: id });
  }

  /** The invoice an id stands for; null for anything the platform did not issue. */
  read(id: string): Invoice | null {
    const match = INVOICE_ID.exec(id);
    if (!match || !this.key) return null;
    let fields: { a?: unknown; p?: unknown; c?: unknown; u?: unknown; k?: unknown };
    try {
      fields = JSON.parse(Buffer.from(match[1], 'base64url').toString('utf8')) as typeof fields;
    } catch {
      return null;
    }
    const { a, p, c, u, k } = fields;
    if (
      typeof a !== 'string' ||
      typeof p !== 'number' ||
      typeof c !== 'number' ||
      typeof u !== 'string' ||
      typeof k !== 'string'
    )
      return null;
    const expected = Buffer.from(this.mac(a, { packs: p, credits: c, userId: u, idempotencyKey: k }));
    const given = Buffer.from(match[2]);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    return { id, accountId: a, packs: p, credits: c, userId: u, idempotencyKey: k };
  }

  private mac(accountId: string, charge: CreditCharge): string {
    return createHmac('sha256', this.key!)
      .update(JSON.stringify([accountId, charge.packs, charge.credits, charge.userId, charge.idempotencyKey]))
      .digest('base64url');
  }
}
