import { clusterPrefixProblem } from './queue-prefix';

describe('a queue prefix on Redis Cluster', () => {
  it('works with a hash tag, wherever the rest of the prefix puts it', () => {
    for (const prefix of ['{ticket-sms}', '{ticket-sms}-staging', 'eu-{ticket-sms}', '{t}'])
      expect(clusterPrefixProblem(prefix)).toBeNull();
  });

  it('is refused without one, or with an empty one, and the reason names a tagged prefix to use', () => {
    expect(clusterPrefixProblem('ticket-sms')).toMatch(
      /"ticket-sms" has no hash tag.*"\{ticket-sms\}" \(QUEUE_PREFIX\)/,
    );
    // Redis hashes the whole key when the first braces hold nothing.
    expect(clusterPrefixProblem('{}ticket-sms')).toMatch(/"\{ticket-sms\}"/);
    expect(clusterPrefixProblem('bull')).toMatch(/"\{bull\}"/);
  });
});
