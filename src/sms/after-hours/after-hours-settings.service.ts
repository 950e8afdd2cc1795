import {
  ForbiddenException,
  Inject,
  Injectable,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { SmsCaller } from '../auth/caller';
import { Clock } from '../clock/clock';
import { TICKET_GATEWAY, type TicketGateway } from '../ports/ticket-gateway.port';
import { isOpen } from '../schedule/business-hours';
import { BusinessHoursService, checkBusinessHours } from '../schedule/business-hours.service';
import { SmsTemplatesService } from '../templates/sms-templates.service';
import { AfterHoursEditor } from './after-hours-editor.entity';
import { AfterHoursLevel, AfterHoursReply } from './after-hours-reply.entity';
import {
  SaveAccountAfterHoursDto,
  SaveAfterHoursOverrideDto,
  toAccountAfterHoursResponse,
  toAfterHoursOverrideResponse,
} from './after-hours.dto';

/**
 * After-hours replies as settings: the account's, and team and user overrides with "reset to account".
 * Admins edit every level; a user edits their own override only when an admin allowed it.
 */
@Injectable()
export class AfterHoursSettingsService {
  constructor(
    @InjectRepository(AfterHoursReply) private readonly replies: Repository<AfterHoursReply>,
    @InjectRepository(AfterHoursEditor) private readonly editors: Repository<AfterHoursEditor>,
    @Inject(TICKET_GATEWAY) private readonly gateway: TicketGateway,
    private readonly businessHours: BusinessHoursService,
    private readonly templates: SmsTemplatesService,
    private readonly clock: Clock,
  ) {}

  /** Every level the account has set, for the admin's overview. */
  async overview(accountId: string) {
    const rows = await this.replies.find({ where: { accountId }, order: { updatedAt: 'ASC' } });
    const editors = await this.editors.find({ where: { accountId }, order: { createdAt: 'ASC' } });
    return {
      account: await this.accountResponse(accountId, rows.find((r) => r.level === 'account') ?? null),
      teams: rows
        .filter((r) => r.level === 'team')
        .map((r) => ({ teamId: r.ownerId, override: toAfterHoursOverrideResponse(r) })),
      users: rows
        .filter((r) => r.level === 'user')
        .map((r) => ({ userId: r.ownerId, override: toAfterHoursOverrideResponse(r) })),
      selfEditors: editors.map((e) => e.userId),
    };
  }

  async account(accountId: string) {
    return this.accountResponse(accountId, await this.find(accountId, 'account', accountId));
  }

  async saveAccount(caller: SmsCaller, input: SaveAccountAfterHoursDto) {
    const hours = input.hours ? checkBusinessHours(input.hours, 'hours') : null;
    await this.upsert(caller, 'account', caller.accountId, {
      enabled: input.enabled,
      hours,
      body: null,
      windowHours: input.windowHours ?? null,
    });
    return this.account(caller.accountId);
  }

  async team(accountId: string, teamId: string) {
    await this.requireTeam(accountId, teamId);
    return { teamId, override: toAfterHoursOverrideResponse(await this.find(accountId, 'team', teamId)) };
  }

  async saveTeam(caller: SmsCaller, teamId: string, input: SaveAfterHoursOverrideDto) {
    await this.requireTeam(caller.accountId, teamId);
    await this.upsert(caller, 'team', teamId, this.override(input));
    return this.team(caller.accountId, teamId);
  }

  /** Reset to account: the team answers with the account's reply again. */
  async resetTeam(accountId: string, teamId: string) {
    await this.requireTeam(accountId, teamId);
    await this.replies.delete({ accountId, level: 'team', ownerId: teamId });
    return this.team(accountId, teamId);
  }

  /** A user's override; admins read anyone's, a user their own. */
  async user(caller: SmsCaller, userId: string) {
    await this.requireUser(caller.accountId, userId);
    if (caller.role !== 'admin' && caller.userId !== userId)
      throw new ForbiddenException("Only an admin may see another user's after-hours reply");
    return this.userResponse(caller.accountId, userId);
  }

  async saveUser(caller: SmsCaller, userId: string, input: SaveAfterHoursOverrideDto) {
    await this.assertMayEditUser(caller, userId);
    await this.upsert(caller, 'user', userId, this.override(input));
    return this.userResponse(caller.accountId, userId);
  }

  /** Reset to account: the user answers with their team's reply, or the account's. */
  async resetUser(caller: SmsCaller, userId: string) {
    await this.assertMayEditUser(caller, userId);
    await this.replies.delete({ accountId: caller.accountId, level: 'user', ownerId: userId });
    return this.userResponse(caller.accountId, userId);
  }

  /** An admin lets a user edit their own reply, or takes that back; the override itself stays as it is. */
  async setSelfEdit(caller: SmsCaller, userId: string, allowed: boolean) {
    await this.requireUser(caller.accountId, userId);
    if (allowed)
      await this.editors.upsert({ accountId: caller.accountId, userId, grantedByUserId: caller.userId }, [
        'accountId',
        'userId',
      ]);
    else await this.editors.delete({ accountId: caller.accountId, userId });
    return this.userResponse(caller.accountId, userId);
  }

  private async userResponse(accountId: string, userId: string) {
    const [override, selfEdit] = await Promise.all([
      this.find(accountId, 'user', userId),
      this.editors.exists({ where: { accountId, userId } }),
    ]);
    return { userId, override: toAfterHoursOverrideResponse(override), selfEdit };
  }

  private async accountResponse(accountId: string, reply: AfterHoursReply | null) {
    const hours = reply?.hours ?? (await this.businessHours.hoursOf(accountId));
    return toAccountAfterHoursResponse(reply, !!reply?.enabled && !isOpen(hours, this.clock.now()));
  }

  private async assertMayEditUser(caller: SmsCaller, userId: string): Promise<void> {
    await this.requireUser(caller.accountId, userId);
    if (caller.role === 'admin') return;
    if (caller.userId !== userId)
      throw new ForbiddenException("Only an admin may change another user's after-hours reply");
    if (!(await this.editors.exists({ where: { accountId: caller.accountId, userId } }))) {
      throw new ForbiddenException('An admin has not allowed you to edit your own after-hours reply');
    }
  }

  private override(input: SaveAfterHoursOverrideDto) {
    const hours = input.hours ? checkBusinessHours(input.hours, 'hours') : null;
    const body = input.body?.trim() ? input.body : null;
    if (body !== null) this.assertTemplate(body);
    return { enabled: input.enabled, hours, body, windowHours: null };
  }

  private assertTemplate(body: string): void {
    const problems = this.templates.renderer.validate(body);
    if (problems.length === 0) return;
    const first = problems[0];
    throw new UnprocessableEntityException({
      statusCode: 422,
      error: 'Unprocessable Entity',
      message: `body: line ${first.line}, column ${first.column}: ${first.message}`,
      problems,
    });
  }

  private find(accountId: string, level: AfterHoursLevel, ownerId: string): Promise<AfterHoursReply | null> {
    return this.replies.findOne({ where: { accountId, level, ownerId } });
  }

  private async upsert(
    caller: SmsCaller,
    level: AfterHoursLevel,
    ownerId: string,
    values: Pick<AfterHoursReply, 'enabled' | 'hours' | 'body' | 'windowHours'>,
  ) {
    await this.replies.upsert(
      { accountId: caller.accountId, level, ownerId, ...values, updatedByUserId: caller.userId },
      ['accountId', 'level', 'ownerId'],
    );
  }

  private async requireTeam(accountId: string, teamId: string): Promise<void> {
    if (!(await this.gateway.getTeam(accountId, teamId))) throw new NotFoundException('No such team in this account');
  }

  private async requireUser(accountId: string, userId: string): Promise<void> {
    if (!(await this.gateway.getUser(accountId, userId))) throw new NotFoundException('No such user in this account');
  }
}
