import { Controller, Inject, MessageEvent, Sse, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '../core/api-docs';
import { concatMap, filter, from, interval, map, merge, Observable } from 'rxjs';
import { CurrentCaller, type SmsCaller, SmsCallerGuard } from '../auth/caller';
import { TICKET_GATEWAY, type TicketGateway } from '../ports/ticket-gateway.port';
import { RateLimits } from '../rate-limits/rate-limits';
import { hears, Viewer } from './conversation-access';
import { SmsEvent, SmsEvents } from './sms-events.service';

/** A comment line this often keeps proxies from closing a quiet stream. */
const HEARTBEAT_MS = 25_000;
/** Team membership is read again this often, so a user added to a team hears its conversations without reconnecting. */
const TEAMS_REFRESH_MS = 60_000;

@ApiTags('sms conversations')
@ApiBearerAuth()
@UseGuards(SmsCallerGuard)
@Controller('sms/events')
export class SmsEventsController {
  constructor(
    private readonly events: SmsEvents,
    @Inject(TICKET_GATEWAY) private readonly gateway: TicketGateway,
    private readonly limits: RateLimits,
  ) {}

  /**
   * Server-sent events about conversations the caller can see: `message.received`, `conversation.replied`,
   * `conversation.claimed`, `conversation.released` (reason `timeout` when a claim lapsed), `conversation.transferred`,
   * `conversation.routed`, `availability.changed` (the SSE event name), with JSON data. A text that arrives while a
   * conversation is claimed is told to its holder only. A user holds at most a few streams at once (429 past that).
   * Streams end when the process shuts down; clients reconnect.
   */
  @Sse()
  @ApiProduces('text/event-stream')
  async stream(@CurrentCaller() caller: SmsCaller): Promise<Observable<MessageEvent>> {
    const viewer: Viewer = {
      ...caller,
      teamIds: (await this.gateway.getUser(caller.accountId, caller.userId))?.teamIds ?? [],
    };
    let teamsReadAt = Date.now();
    const refreshTeams = async () => {
      if (Date.now() - teamsReadAt < TEAMS_REFRESH_MS) return;
      teamsReadAt = Date.now();
      viewer.teamIds = (await this.gateway.getUser(caller.accountId, caller.userId))?.teamIds ?? viewer.teamIds;
    };
    const live = (await this.events.stream()).pipe(
      filter((e: SmsEvent) => e.audience.accountId === caller.accountId),
      concatMap((e) => from(refreshTeams().then(() => e))),
      filter((e) => hears(e.audience, viewer)),
      map((e): MessageEvent => ({ id: e.id, type: e.type, data: { type: e.type, at: e.at, ...e.data } })),
    );
    const heartbeat = interval(HEARTBEAT_MS).pipe(map((): MessageEvent => ({ comment: 'keep-alive' })));
    return this.limits.userStream(caller.userId, this.events.untilShutdown(merge(live, heartbeat)));
  }
}
