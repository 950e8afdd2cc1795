import { CanActivate, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { type ResolvedSmsOptions, SMS_MODULE_OPTIONS } from '../sms.options';

/** With credit metering off there are no credits to show or buy: the credit routes answer as if absent. */
@Injectable()
export class CreditsMeteredGuard implements CanActivate {
  constructor(@Inject(SMS_MODULE_OPTIONS) private readonly options: ResolvedSmsOptions) {}

  canActivate(): boolean {
    if (!this.options.creditMetering) throw new NotFoundException('Texts are not metered by credits here');
    return true;
  }
}
