import { assignmentConflict, historyChoiceRequired, NumberHolder, sameHolder } from './number-assignment';

const shared: NumberHolder = { kind: 'shared', userId: null, teamId: null };
const unassigned: NumberHolder = { kind: 'unassigned', userId: null, teamId: null };
const chosen: NumberHolder = { kind: 'users', userId: null, teamId: null, memberIds: ['tina', 'ursula'] };
const dana: NumberHolder = { kind: 'direct', userId: 'dana', teamId: null };
const sol: NumberHolder = { kind: 'direct', userId: 'sol', teamId: null };
const support: NumberHolder = { kind: 'group', userId: null, teamId: 'support' };
const dispatch: NumberHolder = { kind: 'group', userId: null, teamId: 'dispatch' };

describe('assignmentConflict', () => {
  const sut = assignmentConflict;

  it('lets a free number go to a user or a team, and any number be unassigned', () => {
    expect(sut(shared, dana, 'single')).toBeNull();
    expect(sut(shared, support, 'single')).toBeNull();
    expect(sut(support, shared, 'single')).toBeNull();
    expect(sut(dana, shared, 'single')).toBeNull();
  });

  it("never hands a user's number to a team, nor a team's number to a second team", () => {
    expect(sut(dana, support, 'single')).toBe('user_to_team');
    expect(sut(support, dispatch, 'single')).toBe('second_team');
  });

  it('making a number direct takes it from whoever had it', () => {
    expect(sut(support, dana, 'single')).toBeNull();
    expect(sut(sol, dana, 'single')).toBeNull();
  });

  it('a bulk file assigns free numbers only, and confirming the current holder is no change', () => {
    expect(sut(shared, dana, 'bulk')).toBeNull();
    expect(sut(dana, dana, 'bulk')).toBeNull();
    expect(sut(support, support, 'bulk')).toBeNull();
    expect(sut(sol, dana, 'bulk')).toBe('assigned_elsewhere');
    expect(sut(support, dana, 'bulk')).toBe('assigned_elsewhere');
    expect(sut(dana, support, 'bulk')).toBe('assigned_elsewhere');
  });
});

describe('historyChoiceRequired', () => {
  const sut = historyChoiceRequired;

  it("asks what happens to a user's threads when their number goes to anyone else", () => {
    expect(sut(dana, sol)).toBe(true);
    expect(sut(dana, support)).toBe(true);
    expect(sut(dana, chosen)).toBe(true);
    expect(sut(dana, shared)).toBe(true);
  });

  it('unassigning keeps them with the user unless told; other changes keep them with those who saw them', () => {
    expect(sut(dana, unassigned)).toBe(false);
    expect(sut(dana, dana)).toBe(false);
    expect(sut(unassigned, dana)).toBe(false);
    expect(sut(support, dana)).toBe(false);
  });

  it('an unassigned number is free for a bulk file, and chosen users in another order are the same holder', () => {
    expect(assignmentConflict(unassigned, dana, 'bulk')).toBeNull();
    expect(sameHolder(chosen, { ...chosen, memberIds: ['ursula', 'tina'] })).toBe(true);
    expect(sameHolder(chosen, { ...chosen, memberIds: ['tina'] })).toBe(false);
  });
});
