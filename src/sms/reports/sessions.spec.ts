import { median, SessionRow, sessionType, totals } from './sessions';

const row = (extra: Partial<SessionRow>): SessionRow => ({
  type: 'Messaging Inbound (SMS Team)',
  userKey: null,
  numberKey: '+12025550100',
  teamKey: null,
  messages: 2,
  inboundMessages: 1,
  outboundMessages: 1,
  segments: 2,
  credits: 1,
  firstResponseSeconds: null,
  claims: 0,
  transfers: 0,
  ...extra,
});

describe('session report arithmetic', () => {
  it('names session types after the first writer and the kind of number', () => {
    expect(sessionType('inbound', 'direct')).toBe('Messaging Inbound (SMS Direct)');
    expect(sessionType('outbound', 'group')).toBe('Messaging Outbound (SMS Team)');
    expect(sessionType('inbound', 'shared')).toBe('Messaging Inbound (SMS Shared)');
  });

  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([])).toBeNull();
    expect(median([300, 60, 180])).toBe(180);
    expect(median([60, 180, 300, 3600])).toBe(240);
  });

  it('adds sessions up by type, with the median over those that had a first response', () => {
    const sut = totals([
      row({ firstResponseSeconds: 120, claims: 1 }),
      row({ type: 'Messaging Outbound (SMS Direct)', transfers: 1 }),
      row({ firstResponseSeconds: 60 }),
    ]);
    expect(sut).toMatchObject({
      sessions: 3,
      messages: 6,
      inboundMessages: 3,
      segments: 6,
      credits: 3,
      medianFirstResponseSeconds: 90,
      claims: 1,
      transfers: 1,
    });
    expect(sut.byType['Messaging Inbound (SMS Team)']).toBe(2);
    expect(sut.byType['Messaging Outbound (SMS Direct)']).toBe(1);
    expect(sut.byType['Messaging Inbound (SMS Shared)']).toBe(0);
  });
});
