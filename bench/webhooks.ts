/** Signed Twilio inbound webhooks as Twilio posts them, prepared before a timed run so the client stays cheap. */
import { randomBytes } from 'node:crypto';
import { DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, signTwilioRequest, twilioForm } from '../test/fakes/fake-twilio';
import { http, HttpResult, PUBLIC_URL } from './support';

export const INBOUND_PATH = '/webhooks/twilio/inbound';
export const BUSINESS_NUMBER = '+12025550100';

export interface SignedWebhook {
  messageSid: string;
  body: string;
  signature: string;
}

export function customerPhone(i: number): string {
  return `+1201555${String(1000 + i).padStart(4, '0')}`;
}

/** Every field Twilio sends with an inbound SMS (the signature covers all of them). */
export function inboundForm(
  from: string,
  text: string,
  media: { url: string; contentType: string }[] = [],
): Record<string, string> {
  const sid = `SM${randomBytes(16).toString('hex')}`;
  const form: Record<string, string> = {
    ToCountry: 'US',
    ToState: 'DC',
    SmsMessageSid: sid,
    NumMedia: String(media.length),
    ToCity: 'WASHINGTON',
    FromZip: '07001',
    SmsSid: sid,
    FromState: 'NJ',
    SmsStatus: 'received',
    FromCity: 'NEWARK',
    Body: text,
    FromCountry: 'US',
    To: BUSINESS_NUMBER,
    ToZip: '20001',
    NumSegments: '1',
    MessageSid: sid,
    AccountSid: DEFAULT_ACCOUNT_SID,
    From: from,
    ApiVersion: '2010-04-01',
  };
  media.forEach((m, i) => {
    form[`MediaUrl${i}`] = m.url;
    form[`MediaContentType${i}`] = m.contentType;
  });
  return form;
}

export function signed(form: Record<string, string>, authToken = DEFAULT_AUTH_TOKEN): SignedWebhook {
  return {
    messageSid: form.MessageSid,
    body: twilioForm(form),
    signature: signTwilioRequest(authToken, `${PUBLIC_URL}${INBOUND_PATH}`, form),
  };
}

export function postWebhook(port: number, webhook: SignedWebhook): Promise<HttpResult> {
  return http(port, 'POST', INBOUND_PATH, webhook.body, {
    'content-type': 'application/x-www-form-urlencoded',
    'x-twilio-signature': webhook.signature,
  });
}
