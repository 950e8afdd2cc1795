import { MediaFetcher } from '../../media/media-fetcher';
import type { TwilioCredentials } from './twilio-options';
import type { InboundMediaSource, MediaFetchLimits } from '../provider-media';

/**
 * Twilio's MMS media lives on its REST API (the host of `apiUrl`): downloaded with the platform account's credentials,
 * which go to that origin only (never to a redirect target), and deleted there once our copy is stored.
 */
export function twilioMediaSource(
  credentials: Required<TwilioCredentials>,
  limits: MediaFetchLimits,
): InboundMediaSource {
  const api = new URL(credentials.apiUrl);
  const fetcher = new MediaFetcher({
    allowedHosts: [api.host],
    credentials: { username: credentials.accountSid, password: credentials.authToken },
    maxBytes: limits.maxBytes,
    privateAddressHosts: limits.privateAddressHosts,
  });
  const authorization = `Basic ${Buffer.from(`${credentials.accountSid}:${credentials.authToken}`).toString('base64')}`;
  return {
    fetch: (url) => fetcher.fetch(url),
    async delete(link: string): Promise<boolean> {
      let url: URL;
      try {
        url = new URL(link);
      } catch {
        return false;
      }
      // The credentials go to the API's own origin only.
      if (url.origin !== api.origin || url.username || url.password) return false;
      const response = await fetch(url, {
        method: 'DELETE',
        headers: { authorization },
        redirect: 'manual',
        signal: AbortSignal.timeout(10_000),
      });
      await response.body?.cancel().catch(() => undefined);
      if (response.status === 204 || response.status === 200 || response.status === 404) return true;
      throw new Error(`Twilio answered HTTP ${response.status}`);
    },
  };
}
