import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SandboxInbound } from '../inbound/sandbox-inbound.service';
import { SandboxMessage } from '../sandbox/sandbox-message.entity';

/** A text the sandbox provider delivered to a customer's phone. */
export interface DeliveredText {
  to: string;
  from: string;
  body: string;
  /** The module's message row. */
  messageId: string;
  at: Date;
}

/** What became of a text the customer sent. */
export interface LandedText {
  status: string;
  ticketId: string | null;
  commentId: string | null;
  matchRule: string | null;
}

/**
 * A customer's phone for a host's own tests, on a module running with `provider: 'sandbox'`: it reads the texts the
 * module sent, and texts back (with photos) through the same receiver and jobs as a real provider's webhook. Give it
 * the host's running Nest application and an account id.
 */
export class SandboxPhone {
  private readonly db: DataSource;

  constructor(
    private readonly app: INestApplicationContext,
    readonly accountId: string,
  ) {
    this.db = app.get(DataSource);
  }

  /** Texts the module sent from this account, to `to` when given, oldest first. */
  async received(to?: string): Promise<DeliveredText[]> {
    const rows = await this.db.getRepository(SandboxMessage).find({
      where: { accountId: this.accountId, ...(to ? { toNumber: to } : {}) },
      order: { createdAt: 'ASC' },
    });
    return rows.map((r) => ({
      to: r.toNumber,
      from: r.fromNumber,
      body: r.body,
      messageId: r.messageId,
      at: r.createdAt,
    }));
  }

  /** Waits until at least `count` texts reached `to`; fails after `timeoutMs` with what did arrive. */
  async waitForTexts(to: string, count: number, timeoutMs = 15_000): Promise<DeliveredText[]> {
    return poll(
      () => this.received(to),
      (texts) => texts.length >= count,
      timeoutMs,
      `${count} text(s) to ${to}`,
    );
  }

  /** The customer `from` texts the account's number `to`; photos are bytes with their content type. */
  async send(input: {
    from: string;
    to: string;
    body?: string;
    photos?: { contentType: string; bytes: Buffer }[];
  }): Promise<{ messageId: string }> {
    return this.app.get(SandboxInbound, { strict: false }).simulate(this.accountId, {
      from: input.from,
      to: input.to,
      body: input.body ?? '',
      media: input.photos?.map((p) => ({ contentType: p.contentType, base64: p.bytes.toString('base64') })),
    });
  }

  /** Waits until the module has landed the text (with its photos) on a ticket, or set it aside, and says where. */
  async waitForLanding(messageId: string, timeoutMs = 15_000): Promise<LandedText> {
    const read = async () => {
      const [row] = (await this.db.query(
        `SELECT status, ticket_id, comment_id, match_rule,
                (SELECT count(*) FROM sms_media WHERE message_id = m.id AND status <> 'pending') >= COALESCE(jsonb_array_length(m.inbound_media), 0) AS media_done
         FROM sms_messages m WHERE id = $1 AND account_id = $2`,
        [messageId, this.accountId],
      )) as {
        status: string;
        ticket_id: string | null;
        comment_id: string | null;
        match_rule: string | null;
        media_done: boolean;
      }[];
      return row;
    };
    const row = await poll(
      read,
      (r) => r !== undefined && r.status !== 'received' && r.media_done,
      timeoutMs,
      `text ${messageId} to land`,
    );
    return { status: row.status, ticketId: row.ticket_id, commentId: row.comment_id, matchRule: row.match_rule };
  }
}

async function poll<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`Waited ${timeoutMs} ms for ${what}; last seen: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
