import { authorOf, groupTexts, statusLabel } from './sms-texts';
import { waitedFor } from './inbox/console-inbox.service';

function part(sendId: string, partIndex: number, partCount: number, body: string, status: string) {
  return {
    id: `${sendId}-${partIndex}`,
    sendId,
    partIndex,
    partCount,
    direction: 'outbound' as const,
    kind: 'ticket_update',
    body,
    status: status as 'queued',
    createdByUserId: 'u1',
    createdAt: new Date('2026-12-07T10:00:00Z'),
    sendAt: null,
    errorMessage: null,
    credits: 1,
    segments: 1,
    fromNumber: '+12025550100',
    toNumber: '+12015550199',
    commentId: 'c1',
    matchGuess: false,
    matchRule: null,
  };
}

describe('console texts', () => {
  it('shows a split text once, as written (no part markers), as far as its least advanced part', () => {
    const [text] = groupTexts([
      part('s1', 2, 3, 'calendar are fine. (2/3)', 'sent'),
      part('s1', 1, 3, 'Check that your mail and (1/3)', 'delivered'),
      part('s1', 3, 3, 'Bye. (3/3)', 'queued'),
    ]);
    expect(text).toMatchObject({
      body: 'Check that your mail and calendar are fine. Bye.',
      parts: 3,
      split: true,
      status: 'queued',
      credits: 3,
      businessNumber: '+12025550100',
      contactPhone: '+12015550199',
    });
  });

  it('reports a failed part as the text failing, and keeps a one-part text that ends in "(1/2)" whole', () => {
    const [failed, whole] = groupTexts([
      part('s1', 1, 2, 'One (1/2)', 'delivered'),
      { ...part('s1', 2, 2, 'two (2/2)', 'failed'), errorMessage: 'Carrier refused' },
      part('s2', 1, 1, 'Step (1/2)', 'sent'),
    ]);
    expect(failed).toMatchObject({ status: 'failed', reason: 'Carrier refused' });
    expect(whole.body).toBe('Step (1/2)');
  });

  it('names who wrote a text, and marks automatic ones', () => {
    const names = new Map([['u1', 'Tess Tech']]);
    expect(authorOf({ direction: 'outbound', kind: 'conversation_reply', createdByUserId: 'u1' }, names)).toEqual({
      label: 'Tess Tech',
      automatic: false,
    });
    expect(authorOf({ direction: 'outbound', kind: 'after_hours', createdByUserId: null }, names)).toEqual({
      label: 'Automatic after-hours reply',
      automatic: true,
    });
    expect(authorOf({ direction: 'inbound', kind: 'reply', createdByUserId: null }, names)).toBeNull();
  });

  it('says when a scheduled text goes, in the account time zone', () => {
    const now = new Date('2026-12-05T15:00:00Z'); // a Saturday
    const sendAt = new Date('2026-12-07T14:00:00Z'); // Monday 09:00 in New York
    expect(statusLabel({ status: 'scheduled', sendAt }, 'America/New_York', now)).toBe('scheduled for Monday 09:00');
    expect(statusLabel({ status: 'held_no_credit', sendAt: null }, 'UTC', now)).toBe('held: waiting for credits');
  });

  it('shows wait times short', () => {
    const since = new Date('2026-12-07T10:00:00Z');
    const after = (ms: number) => waitedFor(since, new Date(since.getTime() + ms));
    expect([after(42_000), after(12 * 60_000), after(185 * 60_000), after(50 * 3_600_000)]).toEqual([
      '42 s',
      '12 min',
      '3 h 5 min',
      '2 d 2 h',
    ]);
  });
});
