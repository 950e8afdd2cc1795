import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { Writable } from 'node:stream';
import { pinoHttp, type Options } from 'pino-http';
import { loggerParams } from './logging';

describe('request log lines', () => {
  const serialize = (url: string) => {
    const params = loggerParams('info') as unknown as {
      pinoHttp: { serializers: { req: (req: { id: number; method: string; url: string }) => { url: string } } };
    };
    return params.pinoHttp.serializers.req({ id: 1, method: 'POST', url }).url;
  };

  it('never carry the secret token of a Flowroute webhook URL', () => {
    expect(serialize('/webhooks/flowroute/u6v3YW7NS4C_w8SruJZDEGUF3bVovT2l/inbound')).toBe(
      '/webhooks/flowroute/…/inbound',
    );
    expect(
      serialize('/webhooks/flowroute/u6v3YW7NS4C_w8SruJZDEGUF3bVovT2l/dlr?m=a5e88f2a-f9ef-45b7-ae11-2306277f9420'),
    ).toBe('/webhooks/flowroute/…/dlr?m=…');
  });

  it('never carry the token of a console invite link', () => {
    expect(serialize('/console/invite/aW-jcwtHzR54XE-BkRKNyeWinXVjb0GUd9Pkj9CKpwM')).toBe('/console/invite/…');
  });

  it('never carry a CSRF token sent in the query string', () => {
    expect(serialize('/console/sign-out?_csrf=aW-jcwtHzR54XE-BkRKNyeWinXVjb0GUd9Pkj9CKpwM&next=/console')).toBe(
      '/console/sign-out?_csrf=…&next=/console',
    );
  });
});

describe('log line fields', () => {
  const format = (fields: Record<string, unknown>) => {
    const params = loggerParams('info') as unknown as {
      pinoHttp: { formatters: { log: (o: Record<string, unknown>) => Record<string, unknown> } };
    };
    return params.pinoHttp.formatters.log(fields);
  };

  it('keep only the ends of phone numbers, however deep in the fields', () => {
    const line = format({ contact: '+12015550123', batch: [{ from: 'text from +12015550199' }], count: 3 });
    expect(JSON.stringify(line)).not.toMatch(/5550123|5550199/);
    expect(line.count).toBe(3);
  });

  it('leave the request and response to their serializers, untouched', () => {
    const req = new IncomingMessage(new Socket());
    req.url = '/webhooks/twilio/inbound?From=%2B12015550123';
    const res = new ServerResponse(req);
    const line = format({ req, res, responseTime: 4 });
    expect(line.req).toBe(req);
    expect(line.res).toBe(res);
    expect(req.url).toBe('/webhooks/twilio/inbound?From=%2B12015550123');
  });
});

describe("a request's id", () => {
  /** Runs one request through the service's pino-http set-up; returns its log lines and the answer's X-Request-Id. */
  async function logged(
    requestId?: string,
  ): Promise<{ lines: { req?: { id?: string }; msg: string }[]; answered: string }> {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) });
    const { pinoHttp: options } = loggerParams('info') as unknown as { pinoHttp: Options };
    const middleware = pinoHttp(options, sink);
    const server = createServer((req, res) => {
      middleware(req, res);
      req.log.info('inside the request');
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const answer = await fetch(`http://127.0.0.1:${port}/api/sms/templates`, {
        headers: requestId ? { 'X-Request-Id': requestId } : {},
      });
      await answer.text();
      await new Promise((resolve) => setImmediate(resolve));
      return { lines: lines.map((l) => JSON.parse(l)), answered: answer.headers.get('x-request-id') ?? '' };
    } finally {
      server.close();
    }
  }

  it("is on each of the request's log lines and answered back: the caller's own when plain, else a new one", async () => {
    const own = await logged('lb-7f3a9c-0001');
    expect(own.answered).toBe('lb-7f3a9c-0001');
    expect(own.lines.map((l) => [l.msg, l.req?.id])).toEqual([
      ['inside the request', 'lb-7f3a9c-0001'],
      ['request completed', 'lb-7f3a9c-0001'],
    ]);

    const fresh = await logged('two words');
    expect(fresh.answered).toMatch(/^[0-9a-f-]{36}$/);
    expect(fresh.lines.map((l) => l.req?.id)).toEqual([fresh.answered, fresh.answered]);
  });
});
