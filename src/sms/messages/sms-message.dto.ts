import type { SmsMessage } from './sms-message.entity';

export function toSmsMessageResponse(m: SmsMessage) {
  return {
    id: m.id,
    direction: m.direction,
    kind: m.kind,
    ticketId: m.ticketId,
    commentId: m.commentId,
    sendId: m.sendId,
    part: { index: m.partIndex, count: m.partCount },
    to: m.toNumber,
    from: m.fromNumber,
    body: m.body,
    encoding: m.encoding,
    segments: m.segments,
    credits: m.credits,
    status: m.status,
    /** Why it was not sent, or the provider's error. */
    reason: m.errorMessage,
    errorCode: m.errorCode,
    provider: m.provider,
    providerMessageId: m.providerMessageId,
    sendAt: m.sendAt,
    /** Inbound: the customer, the conversation and the reply-matching rule that chose the ticket (a guess shows in triage). */
    customerId: m.customerId,
    conversationId: m.conversationId,
    matchRule: m.matchRule,
    matchGuess: m.matchGuess,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
  };
}
