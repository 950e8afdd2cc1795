import { MediaFetcher } from '../../media/media-fetcher';
import type { FlowrouteOptions } from '../../sms.options';
import type { InboundMediaSource, MediaFetchLimits } from '../provider-media';
import { FLOWROUTE_DEFAULTS } from './flowroute-wire';

/** Flowroute's MMS links are public storage URLs: no credentials, and only its storage hosts (FLOWROUTE_MEDIA_HOSTS). */
export function flowrouteMediaSource(
  options: Partial<FlowrouteOptions> | undefined,
  limits: MediaFetchLimits,
): InboundMediaSource {
  const fetcher = new MediaFetcher({
    allowedHosts: options?.mediaHosts ?? FLOWROUTE_DEFAULTS.mediaHosts,
    maxBytes: limits.maxBytes,
    privateAddressHosts: limits.privateAddressHosts,
  });
  return { fetch: (url) => fetcher.fetch(url) };
}
