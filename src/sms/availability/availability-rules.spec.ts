import { ClaimRecord, missedStreak, unresponsiveStreak, WaitRecord } from './availability-rules';

const MIN = 60_000;
const t0 = new Date('2026-03-02T14:00:00Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * MIN);

describe('missedStreak', () => {
  const sut = (waits: WaitRecord[], nowMin: number) => missedStreak(waits, 10 * MIN, 2, at(nowMin));

  it('counts waits left past the response time, and reaches the threshold at the second deadline', () => {
    const waits = [
      { startedAt: at(0), answeredAt: null },
      { startedAt: at(5), answeredAt: null },
    ];
    expect(sut(waits, 9)).toEqual({ inARow: 0, reachedAt: null });
    expect(sut(waits, 11)).toEqual({ inARow: 1, reachedAt: null });
    expect(sut(waits, 16)).toEqual({ inARow: 2, reachedAt: at(15) });
  });

  it('an answer in time ends the run; a late answer is still a miss', () => {
    expect(
      sut(
        [
          { startedAt: at(0), answeredAt: null },
          { startedAt: at(20), answeredAt: at(21) },
          { startedAt: at(30), answeredAt: null },
        ],
        60,
      ),
    ).toEqual({
      inARow: 1,
      reachedAt: null,
    });
    expect(
      sut(
        [
          { startedAt: at(0), answeredAt: at(30) },
          { startedAt: at(1), answeredAt: null },
        ],
        60,
      ),
    ).toEqual({ inARow: 2, reachedAt: at(11) });
  });
});

describe('unresponsiveStreak', () => {
  const claim = (from: number, extra: Partial<ClaimRecord> = {}): ClaimRecord => ({
    claimedAt: at(from),
    expiresAt: at(from + 5),
    repliedAt: null,
    endedAt: null,
    endReason: null,
    ...extra,
  });
  const sut = (claims: ClaimRecord[], nowMin: number) => unresponsiveStreak(claims, 2, at(nowMin));

  it('counts claims that lapse without a reply, live ones not yet', () => {
    expect(sut([claim(0), claim(1)], 4)).toEqual({ inARow: 0, reachedAt: null });
    expect(sut([claim(0), claim(1)], 7)).toEqual({ inARow: 2, reachedAt: at(6) });
    expect(sut([claim(0, { endReason: 'expired', endedAt: at(5) }), claim(1)], 5.5)).toEqual({
      inARow: 1,
      reachedAt: null,
    });
  });

  it('a reply ends the run; releasing or handing on counts neither way', () => {
    expect(sut([claim(0), claim(10, { repliedAt: at(11) }), claim(20)], 60)).toEqual({ inARow: 1, reachedAt: null });
    expect(
      sut(
        [
          claim(0),
          claim(10, { endReason: 'released', endedAt: at(11) }),
          claim(20, { endReason: 'transferred', endedAt: at(21) }),
          claim(30),
        ],
        60,
      ),
    ).toEqual({
      inARow: 2,
      reachedAt: at(35),
    });
  });
});
