import {
  HttpException,
  Inject,
  Injectable,
  NotFoundException,
  PayloadTooLargeException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { Clock } from '../clock/clock';
import { CsvRecord, CsvSyntaxError, parseCsv, toCsv } from '../csv/csv';
import { TICKET_GATEWAY, type TicketGateway } from '../ports/ticket-gateway.port';
import { RateLimits } from '../rate-limits/rate-limits';
import { type ResolvedSmsOptions, SMS_MODULE_OPTIONS } from '../sms.options';
import { assignmentConflict, NumberHolder, sameHolder } from './number-assignment';
import { NumberImport, NumberImportError } from './number-import.entity';
import { NumberCheck, NumberVerification } from './number-verification.service';
import { SmsNumber } from './sms-number.entity';
import { notVerified, parseBusinessNumber, SmsNumbersService } from './sms-numbers.service';

/** Data lines one file may hold: each new number is one provider lookup. */
export const MAX_IMPORT_ROWS = 2000;
const COLUMNS = ['number', 'user_email', 'team', 'label'] as const;
export const DEFAULT_PROVIDER_LOOKUPS_PER_HOUR = 200;
const LOOKUP_WINDOW_MS = 3600_000;
/** One account's lookups are spaced this far apart, so a long file queues instead of bursting at the provider. */
const LOOKUP_SPACING_MS = 100;
type Column = (typeof COLUMNS)[number];

/** A line that was applied: the number and who it belongs to now. */
export interface AppliedLine {
  line: number;
  numberId: string;
  number: string;
  added: boolean;
  kind: 'direct' | 'group';
  userId: string | null;
  teamId: string | null;
}

export interface ImportOutcome {
  import: NumberImport;
  applied: AppliedLine[];
}

/** A refusal of one line; everything else about the line is kept for the error log. */
class LineRefused extends Error {}

/**
 * Bulk assignment from a CSV file (`number,user_email` or `number,team`, optionally `label`). Each line is checked
 * and applied on its own, in its own transaction, so a bad line changes nothing and never stops the good ones;
 * every refused line is reported with its line number and reason, and kept as a downloadable error log.
 */
@Injectable()
export class NumberImports {
  constructor(
    @InjectRepository(NumberImport) private readonly imports: Repository<NumberImport>,
    @InjectRepository(SmsNumber) private readonly numbers: Repository<SmsNumber>,
    @Inject(TICKET_GATEWAY) private readonly gateway: TicketGateway,
    private readonly numbersService: SmsNumbersService,
    private readonly verification: NumberVerification,
    private readonly clock: Clock,
    private readonly limits: RateLimits,
    @Inject(SMS_MODULE_OPTIONS) private readonly options: ResolvedSmsOptions,
  ) {}

  async apply(accountId: string, userId: string, text: string): Promise<ImportOutcome> {
    const { header, lines } = this.read(text);
    const errors: NumberImportError[] = [];
    const applied: AppliedLine[] = [];
    const seen = new Map<string, number>();
    const users = new Map<string, Promise<{ id: string } | null>>();
    const teams = new Map<string, Promise<{ id: string } | null>>();

    for (const record of lines) {
      const cell = (c: Column) => {
        const i = header.indexOf(c);
        return i < 0 ? '' : (record.fields[i] ?? '').trim();
      };
      const raw = { number: cell('number'), userEmail: cell('user_email') || null, team: cell('team') || null };
      try {
        if (record.fields.length !== header.length)
          throw new LineRefused(`expected ${header.length} fields, found ${record.fields.length}`);
        if (!raw.number) throw new LineRefused('no number');
        const number = this.parse(raw.number);
        const earlier = seen.get(number);
        if (earlier !== undefined)
          throw new LineRefused(`duplicate within the file: ${number} is already on line ${earlier}`);
        seen.set(number, record.line);
        if (raw.userEmail && raw.team) throw new LineRefused('give either a user_email or a team, not both');
        if (!raw.userEmail && !raw.team) throw new LineRefused('give the user_email or the team the number is for');

        let target: NumberHolder;
        if (raw.userEmail) {
          const email = raw.userEmail.toLowerCase();
          if (!users.has(email)) users.set(email, this.gateway.findUserByEmail(accountId, email));
          const user = await users.get(email)!;
          if (!user) throw new LineRefused(`unknown user: no user with email ${raw.userEmail} in this account`);
          target = { kind: 'direct', userId: user.id, teamId: null };
        } else {
          const key = raw.team!.toLowerCase();
          if (!teams.has(key)) teams.set(key, this.gateway.findTeamByName(accountId, raw.team!));
          const team = await teams.get(key)!;
          if (!team) throw new LineRefused(`unknown team: no team named ${raw.team} in this account`);
          target = { kind: 'group', userId: null, teamId: team.id };
        }
        applied.push({
          line: record.line,
          ...(await this.applyLine(accountId, userId, number, target, cell('label'))),
        });
      } catch (e) {
        if (!(e instanceof LineRefused)) throw e;
        errors.push({
          line: record.line,
          number: raw.number,
          userEmail: raw.userEmail,
          team: raw.team,
          reason: e.message,
        });
      }
    }
    const saved = await this.imports.save(
      this.imports.create({
        accountId,
        createdByUserId: userId,
        rows: lines.length,
        applied: applied.length,
        failed: errors.length,
        errors,
      }),
    );
    return { import: saved, applied };
  }

  async get(accountId: string, id: string): Promise<NumberImport> {
    const found = await this.imports.findOne({ where: { accountId, id } });
    if (!found) throw new NotFoundException('No such bulk assignment in this account');
    return found;
  }

  /** The refused lines as CSV, for a spreadsheet: the line, what it said, and why it was refused. */
  async errorLog(accountId: string, id: string): Promise<string> {
    const found = await this.get(accountId, id);
    return toCsv(
      ['line', 'number', 'user_email', 'team', 'reason'],
      found.errors.map((e) => [e.line, e.number, e.userEmail, e.team, e.reason]),
    );
  }

  private read(text: string): { header: Column[]; lines: CsvRecord[] } {
    let records: CsvRecord[];
    try {
      records = parseCsv(text);
    } catch (e) {
      if (e instanceof CsvSyntaxError)
        throw new UnprocessableEntityException(`The file is not valid CSV: ${e.message}`);
      throw e;
    }
    if (records.length === 0)
      throw new UnprocessableEntityException(
        'The file is empty; the first line names the columns: number,user_email or number,team',
      );
    const header = records[0].fields.map((f) => f.trim().toLowerCase());
    const unknown = header.filter((h) => !(COLUMNS as readonly string[]).includes(h));
    if (
      unknown.length > 0 ||
      !header.includes('number') ||
      (!header.includes('user_email') && !header.includes('team'))
    ) {
      throw new UnprocessableEntityException(
        `Line 1 must name the columns: number,user_email or number,team (label optional)${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`,
      );
    }
    if (new Set(header).size !== header.length) throw new UnprocessableEntityException('Line 1 names a column twice');
    const lines = records.slice(1);
    if (lines.length === 0) throw new UnprocessableEntityException('The file has a header but no lines to apply');
    if (lines.length > MAX_IMPORT_ROWS)
      throw new PayloadTooLargeException(`A file holds at most ${MAX_IMPORT_ROWS} lines; split it`);
    return { header: header as Column[], lines };
  }

  private parse(input: string): string {
    try {
      return parseBusinessNumber(input);
    } catch (e) {
      if (e instanceof HttpException) throw new LineRefused(`bad format: ${e.message}`);
      throw e;
    }
  }

  /**
   * Each lookup spends the provider's quota, which every account shares: an account has a budget per hour (lines
   * past it are refused with the time to import them again), and its lookups queue one after another.
   */
  private async spendLookup(accountId: string): Promise<void> {
    const budget = this.options.providerLookupsPerHour ?? DEFAULT_PROVIDER_LOOKUPS_PER_HOUR;
    const spent = await this.limits.hit(`provider-lookups:${accountId}`, LOOKUP_WINDOW_MS);
    if (spent.count > budget) {
      const again = new Date(this.clock.now().getTime() + spent.resetMs).toISOString().slice(11, 16);
      throw new LineRefused(
        `not checked: this account's ${budget} number lookups for the hour are used up; import this line again after ${again} UTC`,
      );
    }
    for (
      let wait = await this.limits.space(`provider-lookups-spacing:${accountId}`, LOOKUP_SPACING_MS);
      wait > 0;
      wait = await this.limits.space(`provider-lookups-spacing:${accountId}`, LOOKUP_SPACING_MS)
    ) {
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  /** Checks and applies one line in its own transaction; any refusal rolls the line back whole. */
  private async applyLine(
    accountId: string,
    byUserId: string,
    number: string,
    target: NumberHolder,
    label: string,
  ): Promise<Omit<AppliedLine, 'line'>> {
    const existing = await this.numbers.findOne({ where: { number } });
    if (existing && existing.accountId !== accountId)
      throw new LineRefused(`already assigned elsewhere: ${number} is in use by another account`);
    let check: NumberCheck | null = null;
    // Provider lookups happen before the transaction: no row is locked while waiting on the network.
    if (!existing?.verifiedAt) {
      await this.spendLookup(accountId);
      check = await this.verification.check(accountId, number);
    }
    if (check && !check.verified) throw new LineRefused(`not verified: ${check.reason}`);
    const now = this.clock.now();

    try {
      return await this.numbers.manager.transaction((tx) =>
        this.applyInTransaction(tx, accountId, byUserId, number, target, label, check, now),
      );
    } catch (e) {
      // Another request added the same number a moment ago.
      if ((e as { code?: string }).code === '23505')
        throw new LineRefused(`already assigned elsewhere: ${number} was just added by another request`);
      throw e;
    }
  }

  private async applyInTransaction(
    tx: EntityManager,
    accountId: string,
    byUserId: string,
    number: string,
    target: NumberHolder,
    label: string,
    check: NumberCheck | null,
    now: Date,
  ): Promise<Omit<AppliedLine, 'line'>> {
    const repo = tx.getRepository(SmsNumber);
    let row = await repo.findOne({ where: { number }, lock: { mode: 'pessimistic_write' } });
    if (row && row.accountId !== accountId)
      throw new LineRefused(`already assigned elsewhere: ${number} is in use by another account`);
    const added = !row;
    if (!row) {
      const hasDefault = await repo.exists({ where: { accountId, isDefault: true } });
      row = await repo.save(
        repo.create({
          accountId,
          number,
          label: label || number,
          isDefault: !hasDefault,
          verifiedAt: now,
          verificationCheckedAt: now,
          verificationError: null,
        }),
      );
    } else if (!row.verifiedAt) {
      if (!check?.verified) throw new LineRefused(`not verified: ${notVerified(row)}`);
      await repo.update({ id: row.id }, { verifiedAt: now, verificationCheckedAt: now, verificationError: null });
    }
    if (!sameHolder(row, target)) {
      const conflict = assignmentConflict(row, target, 'bulk');
      if (conflict) throw new LineRefused(await this.numbersService.conflictReason(accountId, row, conflict, tx));
      // A bulk file only assigns free numbers: whoever saw their threads keeps them.
      await this.numbersService.assign(tx, row, target, 'keep', byUserId);
      if (label && !added) await repo.update({ id: row.id }, { label });
    }
    return {
      numberId: row.id,
      number,
      added,
      kind: target.kind as 'direct' | 'group',
      userId: target.userId,
      teamId: target.teamId,
    };
  }
}
