import { ConflictException, Inject, Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import type { Viewer } from '../conversations/conversation-access';
import { TICKET_GATEWAY, type TicketGateway } from '../ports/ticket-gateway.port';
import { SmsTemplatesService, templateVariables } from '../templates/sms-templates.service';
import { firstName } from '../templates/template-variables';
import { TemplateBudgetError, TemplateSyntaxError, TemplateVariables } from '../templates/template-renderer';
import { CannedReply } from './canned-reply.entity';
import { SignOff } from './sign-off.entity';

/** Longest sign-off: a name and a dash, not a signature block that eats the segment. */
export const MAX_SIGN_OFF_LENGTH = 40;
/** Canned replies one account keeps: a list members pick from, not a message archive. */
export const MAX_CANNED_REPLIES_PER_ACCOUNT = 500;

/** What a text written in a conversation is made of: typed, or a canned reply; the writer's sign-off unless left off. */
export interface DraftInput {
  body?: string;
  cannedReplyId?: string;
  /** false leaves the writer's sign-off off this text. */
  signOff?: boolean;
}

/** Where a draft is written: the conversation's contact, and the ticket the text is about (null: none). */
export interface DraftPlace {
  contactPhone: string;
  ticketId: string | null;
}

/**
 * Canned replies (the account's and each team's) and members' sign-offs; turns a draft (typed text or canned reply,
 * plus sign-off) into the text that is sent. A canned reply is rendered with the SMS templates' renderer and
 * variables: the conversation's ticket and customer, the account, and the writer as `technician`.
 */
@Injectable()
export class CannedReplies {
  constructor(
    @InjectRepository(CannedReply) private readonly replies: Repository<CannedReply>,
    @InjectRepository(SignOff) private readonly signOffs: Repository<SignOff>,
    @Inject(TICKET_GATEWAY) private readonly gateway: TicketGateway,
    private readonly templates: SmsTemplatesService,
  ) {}

  /** The replies `viewer` may use: the account's and their teams' (admins: every team's), by name. */
  async list(viewer: Viewer): Promise<CannedReply[]> {
    const qb = this.replies
      .createQueryBuilder('r')
      .where('r.account_id = :accountId', { accountId: viewer.accountId })
      .orderBy('lower(r.name)', 'ASC')
      .addOrderBy('r.id', 'ASC');
    if (viewer.role !== 'admin')
      qb.andWhere('(r.team_id IS NULL OR r.team_id = ANY(:teamIds::text[]))', { teamIds: viewer.teamIds });
    return qb.getMany();
  }

  /** One reply `viewer` may use; 404 for another team's or another account's. */
  async get(viewer: Viewer, id: string, tx?: EntityManager): Promise<CannedReply> {
    const found = await (tx ? tx.getRepository(CannedReply) : this.replies).findOne({
      where: { accountId: viewer.accountId, id },
    });
    const usable = found && (viewer.role === 'admin' || found.teamId === null || viewer.teamIds.includes(found.teamId));
    if (!usable) throw new NotFoundException('No such canned reply for you in this account');
    return found;
  }

  async create(
    accountId: string,
    userId: string,
    input: { name: string; body: string; teamId?: string | null },
  ): Promise<CannedReply> {
    const teamId = input.teamId ?? null;
    if (teamId && !(await this.gateway.getTeam(accountId, teamId)))
      throw new NotFoundException('No such team in this account');
    this.templates.assertValid(input.body);
    if ((await this.replies.count({ where: { accountId } })) >= MAX_CANNED_REPLIES_PER_ACCOUNT)
      throw new UnprocessableEntityException(
        `An account keeps at most ${MAX_CANNED_REPLIES_PER_ACCOUNT} canned replies; delete some first`,
      );
    return this.saving(input.name, () =>
      this.replies.save(
        this.replies.create({ accountId, teamId, name: input.name.trim(), body: input.body, updatedByUserId: userId }),
      ),
    );
  }

  async update(
    accountId: string,
    userId: string,
    id: string,
    input: { name?: string; body?: string },
  ): Promise<CannedReply> {
    const current = await this.replies.findOne({ where: { accountId, id } });
    if (!current) throw new NotFoundException('No such canned reply in this account');
    if (input.body !== undefined) this.templates.assertValid(input.body);
    const name = input.name?.trim() ?? current.name;
    await this.saving(name, () =>
      this.replies.update({ accountId, id }, { name, body: input.body ?? current.body, updatedByUserId: userId }),
    );
    return this.replies.findOneByOrFail({ accountId, id });
  }

  async remove(accountId: string, id: string): Promise<void> {
    const result = await this.replies.delete({ accountId, id });
    if (!result.affected) throw new NotFoundException('No such canned reply in this account');
  }

  async signOffOf(accountId: string, userId: string, tx?: EntityManager): Promise<string | null> {
    const row = await (tx ? tx.getRepository(SignOff) : this.signOffs).findOne({ where: { accountId, userId } });
    return row?.signOff ?? null;
  }

  /** Sets the member's sign-off; null or blank removes it. */
  async setSignOff(accountId: string, userId: string, signOff: string | null): Promise<string | null> {
    const text = signOff?.trim() ?? '';
    if (!text) {
      await this.signOffs.delete({ accountId, userId });
      return null;
    }
    await this.signOffs.upsert({ accountId, userId, signOff: text }, ['accountId', 'userId']);
    return text;
  }

  /**
   * The text a draft sends: the typed body or the rendered canned reply, then the writer's sign-off on a line of its
   * own (unless `signOff: false`, or the text already ends with it). 422 when there is nothing to send.
   */
  async textOf(tx: EntityManager, viewer: Viewer, place: DraftPlace, input: DraftInput): Promise<string> {
    let text: string;
    if (input.cannedReplyId) {
      const reply = await this.get(viewer, input.cannedReplyId, tx);
      text = this.render(reply, await this.variables(tx, viewer, place));
    } else {
      text = input.body ?? '';
    }
    text = text.trim();
    if (!text) throw new UnprocessableEntityException('The text is empty: give a body or a cannedReplyId');
    const signOff = input.signOff === false ? null : await this.signOffOf(viewer.accountId, viewer.userId, tx);
    return signOff && !text.endsWith(signOff) ? `${text}\n${signOff}` : text;
  }

  /** The variables a canned reply sees in a conversation: its ticket's when it has one, else contact and account. */
  private async variables(tx: EntityManager, viewer: Viewer, place: DraftPlace): Promise<TemplateVariables> {
    const context = place.ticketId
      ? await this.gateway.getTicketContext(viewer.accountId, place.ticketId, viewer.userId, tx)
      : null;
    if (context) return templateVariables(context);
    const [account, customers, user] = await Promise.all([
      this.gateway.getAccount(viewer.accountId, tx),
      this.gateway.findCustomersByPhone(viewer.accountId, place.contactPhone, tx),
      this.gateway.getUser(viewer.accountId, viewer.userId, tx),
    ]);
    const customer = customers.length === 1 ? customers[0] : null;
    return {
      account: account ? { name: account.name } : undefined,
      customer: customer ? { name: customer.name, firstName: firstName(customer.name) } : undefined,
      technician: user ? { name: user.name, firstName: firstName(user.name) } : undefined,
      timezone: account?.timezone,
    };
  }

  private render(reply: CannedReply, variables: TemplateVariables): string {
    try {
      return this.templates.renderer.render(reply.body, variables);
    } catch (error) {
      if (error instanceof TemplateBudgetError || error instanceof TemplateSyntaxError)
        throw new UnprocessableEntityException(
          `The canned reply "${reply.name}" cannot be rendered: line ${error.line}, column ${error.column}: ${error.message}`,
        );
      throw error;
    }
  }

  /** A second reply of one name in one scope is 409, whichever request wrote first. */
  private async saving<T>(name: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (e) {
      if ((e as { code?: string }).code === '23505')
        throw new ConflictException(`A canned reply named "${name}" already exists here; choose another name`);
      throw e;
    }
  }
}
