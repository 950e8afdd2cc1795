import { signTwilioRequest, twilioForm } from '../../fakes/fake-twilio';
import { PUBLIC_URL } from './fault-lab';
import { HttpAnswer, postForm } from './http-client';

/** POSTs a form to a Twilio webhook of the service, signed the way Twilio signs it (over PUBLIC_URL + path). */
export function postSignedTwilio(
  port: number,
  path: string,
  authToken: string,
  params: Record<string, string>,
): Promise<HttpAnswer> {
  const signature = signTwilioRequest(authToken, `${PUBLIC_URL}${path}`, params);
  return postForm(port, path, twilioForm(params), { 'x-twilio-signature': signature });
}

/** Twilio's status callback for one of our messages (`?m=` carries our row id, as the service asked). */
export function postStatusCallback(
  port: number,
  authToken: string,
  accountSid: string,
  row: { id: string; sid: string },
  status: string,
): Promise<HttpAnswer> {
  return postSignedTwilio(port, `/webhooks/twilio/status?m=${row.id}`, authToken, {
    AccountSid: accountSid,
    ApiVersion: '2010-04-01',
    MessageSid: row.sid,
    SmsSid: row.sid,
    MessageStatus: status,
    SmsStatus: status,
  });
}
