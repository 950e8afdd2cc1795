import { loggerParams } from './logging';

describe('request log lines', () => {
  const serialize = (url: string) => {
    const params = loggerParams('info') as unknown as { pinoHttp: { serializers: { req: (req: { id: number; method: string; url: string }) => { url: string } } } };
    return params.pinoHttp.serializers.req({ id: 1, method: 'POST', url }).url;
  };

  it('never carry the secret token of a Flowroute webhook URL', () => {
    expect(serialize('/webhooks/flowroute/u6v3YW7NS4C_w8SruJZDEGUF3bVovT2l/inbound')).toBe('/webhooks/flowroute/…/inbound');
    expect(serialize('/webhooks/flowroute/u6v3YW7NS4C_w8SruJZDEGUF3bVovT2l/dlr?m=a5e88f2a-f9ef-45b7-ae11-2306277f9420')).toBe('/webhooks/flowroute/…/dlr?m=…');
  });

  it('never carry the token of a console invite link', () => {
    expect(serialize('/console/invite/aW-jcwtHzR54XE-BkRKNyeWinXVjb0GUd9Pkj9CKpwM')).toBe('/console/invite/…');
  });
});
