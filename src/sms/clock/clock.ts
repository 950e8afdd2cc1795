import { Injectable } from '@nestjs/common';

/** Time, injectable so tests can stand at any instant (after hours, month end, claim timeouts). */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
