import { audienceOf, hears, Viewer } from './conversation-access';

const now = new Date('2026-03-02T14:00:00Z');
const later = new Date('2026-03-02T14:05:00Z');
const conversation = (extra: Partial<Parameters<typeof audienceOf>[0]> = {}) => ({
  accountId: 'acme',
  claimedByUserId: null,
  claimExpiresAt: null,
  waitingSince: now,
  routedTeamIds: [],
  ...extra,
});
const group = { kind: 'group' as const, userId: null, teamId: 'support', historyVisibility: 'members' as const };
const viewer = (userId: string, teamIds: string[], role: Viewer['role'] = 'technician'): Viewer => ({
  accountId: 'acme',
  userId,
  role,
  teamIds,
});

describe('who hears about a conversation', () => {
  it("a team number's text reaches its team, and admins, but nobody else", () => {
    const sut = audienceOf(conversation(), group, 'inbound', now);
    expect(hears(sut, viewer('ann', ['support']))).toBe(true);
    expect(hears(sut, viewer('cat', ['dispatch']))).toBe(false);
    expect(hears(sut, viewer('boss', [], 'admin'))).toBe(true);
    expect(hears(sut, { ...viewer('boss', [], 'admin'), accountId: 'other' })).toBe(false);
  });

  it('a text during a live claim reaches the holder only; once it lapsed, the team again', () => {
    const claimed = conversation({ claimedByUserId: 'ann', claimExpiresAt: later });
    expect(audienceOf(claimed, group, 'inbound', now)).toEqual({
      accountId: 'acme',
      userIds: ['ann'],
      teamIds: [],
      allMembers: false,
    });
    expect(audienceOf(claimed, group, 'activity', now).teamIds).toEqual(['support']);
    expect(audienceOf(claimed, group, 'inbound', later).teamIds).toEqual(['support']);
  });

  it("`handler` visibility tells those who handled an answered thread; a direct number's agent and routed teams hear theirs", () => {
    const handler = { ...group, historyVisibility: 'handler' as const };
    expect(audienceOf(conversation({ waitingSince: null }), handler, 'activity', now, ['ann'])).toMatchObject({
      userIds: ['ann'],
      teamIds: [],
    });
    expect(audienceOf(conversation(), handler, 'activity', now, ['ann']).teamIds).toEqual(['support']);
    const direct = { kind: 'direct' as const, userId: 'dana', teamId: null, historyVisibility: 'members' as const };
    expect(audienceOf(conversation({ routedTeamIds: ['support'] }), direct, 'inbound', now)).toMatchObject({
      userIds: ['dana'],
      teamIds: ['support'],
    });
    expect(audienceOf(conversation(), { ...group, kind: 'shared', teamId: null }, 'inbound', now).allMembers).toBe(
      true,
    );
    expect(audienceOf(conversation(), null, 'inbound', now)).toMatchObject({
      userIds: [],
      teamIds: [],
      allMembers: false,
    });
  });

  it("a chosen-users number's texts reach those users; an unassigned number's reach admins only", () => {
    const chosen = { ...group, kind: 'users' as const, teamId: null, memberIds: ['tina', 'ursula'] };
    const sut = audienceOf(conversation(), chosen, 'inbound', now);
    expect(hears(sut, viewer('ursula', []))).toBe(true);
    expect(hears(sut, viewer('tom', ['support']))).toBe(false);
    const unassigned = { ...group, kind: 'unassigned' as const, teamId: null };
    const nobody = audienceOf(conversation(), unassigned, 'inbound', now);
    expect(hears(nobody, viewer('tom', ['support']))).toBe(false);
    expect(hears(nobody, viewer('boss', [], 'admin'))).toBe(true);
  });
});
