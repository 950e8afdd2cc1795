/** Twilio's public REST API (media links point at it too), and how long a call may take. */
export const TWILIO_DEFAULTS = {
  apiUrl: 'https://api.twilio.com',
  timeoutMs: 10_000,
};

/** The platform's Twilio account, as a host gives it in `SmsModuleOptions.twilio`. */
export interface TwilioCredentials {
  accountSid: string;
  authToken: string;
  /** REST base; media is fetched only from this host. Default: Twilio's public API. */
  apiUrl?: string;
  /** Default 10 s. */
  timeoutMs?: number;
}

/** The credentials with their defaults filled in; what a host got wrong goes into `problems`. */
export function resolveTwilioCredentials(given: TwilioCredentials, problems: string[]): Required<TwilioCredentials> {
  const { accountSid, authToken } = given;
  if (!/^AC[0-9a-fA-F]{32}$/.test(accountSid ?? ''))
    problems.push('twilio.accountSid must be an account SID (AC followed by 32 hex digits)');
  if (!authToken) problems.push('twilio.authToken is required');
  return {
    accountSid,
    authToken,
    apiUrl: given.apiUrl ?? TWILIO_DEFAULTS.apiUrl,
    timeoutMs: given.timeoutMs ?? TWILIO_DEFAULTS.timeoutMs,
  };
}
