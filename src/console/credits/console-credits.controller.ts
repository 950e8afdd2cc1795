import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DateTime } from 'luxon';
import { Body, Controller, Get, HttpException, Post, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { CREDITS_PER_PACK, CreditsService, PublicRoute } from '../../sms';
import { ConsoleContext, ConsoleRoles, CurrentConsole } from '../auth/console-request';
import { ConsoleSessionGuard } from '../auth/console-session.guard';
import { ConsoleExceptionFilter, messageOf } from '../console-exception.filter';
import { field, FormBody } from '../console-form';
import { ConsoleViews } from '../console-views';
import { ConsoleCreditsService } from './console-credits.service';

const PACK_CHOICES = [1, 2, 4, 10];

@ApiExcludeController()
@PublicRoute()
@UseGuards(ConsoleSessionGuard)
@UseFilters(ConsoleExceptionFilter)
@ConsoleRoles('admin')
@Controller('console/credits')
export class ConsoleCreditsController {
  constructor(
    private readonly pages: ConsoleCreditsService,
    private readonly credits: CreditsService,
    private readonly views: ConsoleViews,
  ) {}

  @Get()
  async show(@CurrentConsole() console: ConsoleContext, @Res() res: Response) {
    const bought = Number(res.req.query.bought);
    const released = Number(res.req.query.released);
    const notice =
      bought > 0
        ? `Added ${(bought * CREDITS_PER_PACK).toLocaleString('en-US')} credits.${onTheirWay(released)}`
        : undefined;
    await this.render(console, res, { notice }, 200);
  }

  /** The whole ledger (up to the export budget) with tickets and people, for a spreadsheet. */
  @Get('ledger.csv')
  async ledgerCsv(@CurrentConsole() console: ConsoleContext, @Res() res: Response) {
    const day = DateTime.now().setZone(console.account.timezone).toISODate();
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="credit-ledger-${day}.csv"`);
    res.setHeader('Cache-Control', 'no-store');
    await pipeline(Readable.from(this.pages.ledgerCsv(console.account.id, console.account.timezone)), res);
  }

  @Post('purchases')
  async buy(@CurrentConsole() console: ConsoleContext, @Res() res: Response, @Body() form: FormBody) {
    const packs = Number(field(form, 'packs'));
    if (!Number.isInteger(packs) || packs < 1 || packs > 100)
      return this.render(console, res, { error: 'Choose between 1 and 100 packs' }, 422);
    // The key was rendered into the form, so a double click or a resubmitted form buys once.
    const key = field(form, 'purchaseKey');
    // Said in the notice: how many texts the purchase lets go.
    const heldBefore = (await this.credits.summary(console.account.id)).held;
    try {
      const purchase = await this.credits.purchase(
        console.account.id,
        console.user.id,
        packs,
        key && /^[\w-]{1,80}$/.test(key) ? `console-${key}` : undefined,
      );
      if (purchase.status === 'pending') {
        const credits = (packs * CREDITS_PER_PACK).toLocaleString('en-US');
        return this.render(
          console,
          res,
          {
            notice: `Invoiced ${credits} credits: they are added once the invoice is paid.${goOutThen(heldBefore)}`,
            invoice: purchase.reference,
          },
          202,
        );
      }
    } catch (error) {
      if (!(error instanceof HttpException)) throw error;
      const body = error.getResponse() as { eligibleFrom?: string };
      return this.render(console, res, { error: messageOf(body), eligibleFrom: body.eligibleFrom }, error.getStatus());
    }
    const released = Math.max(0, heldBefore - (await this.credits.summary(console.account.id)).held);
    return res.redirect(303, `/console/credits?bought=${packs}&released=${released}`);
  }

  private async render(console: ConsoleContext, res: Response, extra: Record<string, unknown>, status: number) {
    const page = await this.pages.page(console.account.id, console.account.timezone, Number(res.req.query.page) || 1);
    const packs = PACK_CHOICES.map((n) => ({ n, credits: n * CREDITS_PER_PACK }));
    this.views.page(
      res,
      console,
      'credits',
      { ...page, packs, perPack: CREDITS_PER_PACK, purchaseKey: randomUUID(), ...extra },
      { title: 'Credits', nav: 'credits', status },
    );
  }
}

/** What an invoiced purchase will do for the texts waiting for credits. */
function goOutThen(held: number): string {
  if (held <= 0) return '';
  return held === 1
    ? ' The text waiting for credits goes out then.'
    : ` The ${count(held)} texts waiting for credits go out then.`;
}

/** What a paid purchase did for the texts waiting for credits. */
function onTheirWay(released: number): string {
  if (!(released > 0)) return '';
  return released === 1
    ? ' The text that waited for credits is on its way.'
    : ` The ${count(released)} texts that waited for credits are on their way.`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}
