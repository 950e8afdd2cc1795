import type Twilio from 'twilio';

export type TwilioSdk = typeof Twilio;

let sdk: Promise<TwilioSdk> | null = null;

/**
 * twilio-node, loaded on first use. It is about 25 MB of resident code and data, which an `api` process (it only
 * checks webhook signatures, done with the SDK's small webhooks module) or a sandbox set-up never needs.
 */
export function loadTwilio(): Promise<TwilioSdk> {
  sdk ??= import('twilio').then((m) => m.default);
  return sdk;
}
