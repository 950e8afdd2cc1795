import { smsKeyword } from './opt-out-keywords';

describe('smsKeyword', () => {
  it.each(['STOP', 'stop', '  Stop \n', 'STOPALL', 'unsubscribe', 'Cancel', 'END', 'quit'])(
    'reads %j as an opt-out',
    (body) => {
      expect(smsKeyword(body)?.kind).toBe('opt_out');
    },
  );

  it.each(['START', 'unstop', 'Yes'])('reads %j as an opt-in', (body) => {
    expect(smsKeyword(body)?.kind).toBe('opt_in');
  });

  it('reads HELP and INFO as a request for help, and keeps the keyword in upper case', () => {
    expect(smsKeyword(' help ')).toEqual({ kind: 'help', keyword: 'HELP' });
    expect(smsKeyword('info')).toEqual({ kind: 'help', keyword: 'INFO' });
  });

  it.each(['Please stop', 'STOP!', 'STOP texting me', 'stop.', 'yes please', '', 'S T O P'])(
    'does not read %j as a keyword: the whole text must be one',
    (body) => {
      expect(smsKeyword(body)).toBeNull();
    },
  );
});
